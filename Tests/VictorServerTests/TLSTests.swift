import Foundation
import Testing
import VictorServer
import VictorTestSupport

/// `server.tls`: HTTPS with a self-signed certificate made by openssl at test time, and the
/// errors a missing or unreadable certificate or key gives.
@Suite struct TLSTests {
    let directories = TemporaryDirectories()

    /// The path of `name` on `PATH`.
    static func tool(_ name: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let toolsAvailable = tool("openssl") != nil && tool("curl") != nil

    /// Runs `name` with `arguments`, its output discarded; returns its exit status.
    static func run(_ name: String, _ arguments: [String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(tool(name)))
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    @Test(.enabled(if: toolsAvailable, "skipped: needs openssl and curl on PATH"))
    func anHTTPSRequestSucceedsWithTheServersCertificate() async throws {
        let root = try makeSetup(directories)
        let status = try await Self.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", root + "/key.pem", "-out", root + "/cert.pem",
            ]
        )
        try #require(status == 0, "openssl could not make a certificate")
        var configuration = try ServerConfiguration.load(contentsOf: root + "/victor.yaml")
        configuration.tls = ServerConfiguration.TLS(certificatePath: root + "/cert.pem", keyPath: root + "/key.pem")
        try await withServer(configuration) { server, client in
            #expect(server.address?.secure == true)
            #expect(server.address?.description.hasPrefix("https://127.0.0.1:") == true)
            let body = root + "/live.json"
            let curl = try await Self.run(
                "curl",
                [
                    "--silent", "--show-error", "--fail", "--max-time", "10", "--cacert", root + "/cert.pem",
                    "--output", body, "https://127.0.0.1:\(client.port)/health/live",
                ]
            )
            #expect(curl == 0)
            let text = (try? String(contentsOfFile: body, encoding: .utf8)) ?? ""
            #expect(text.contains("\"status\""))
        }
    }

    @Test func theSectionNeedsBothFilesAndResolvesThemBesideTheConfiguration() throws {
        let configuration = try ServerConfiguration.parse(
            "server:\n  tls: {certificate: cert.pem, key: /keys/key.pem}\n",
            baseDirectory: "/etc/victor"
        )
        #expect(
            configuration.tls
                == ServerConfiguration.TLS(certificatePath: "/etc/victor/cert.pem", keyPath: "/keys/key.pem")
        )
        #expect {
            try ServerConfiguration.parse("server:\n  tls: {certificate: cert.pem}\n")
        } throws: { error in
            (error as? ServerError)?.message.contains("server.tls.key") == true
        }
    }

    @Test func aMissingOrUnreadableFileIsAnErrorNamingItsKey() async throws {
        let root = try makeSetup(directories)
        try "not a certificate".write(toFile: root + "/bad.pem", atomically: true, encoding: .utf8)
        var configuration = try ServerConfiguration.load(contentsOf: root + "/victor.yaml")
        for (certificate, key, named) in [
            (root + "/missing.pem", root + "/key.pem", "server.tls.certificate"),
            (root + "/bad.pem", root + "/key.pem", "server.tls.certificate"),
        ] {
            configuration.tls = ServerConfiguration.TLS(certificatePath: certificate, keyPath: key)
            await #expect {
                _ = try await VictorServer.make(configuration, accessLog: nil)
            } throws: { error in
                guard let error = error as? ServerError, error.code == .invalidConfiguration else { return false }
                return error.message.hasPrefix(named)
            }
        }
    }
}
