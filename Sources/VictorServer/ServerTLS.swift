import HummingbirdTLS
import NIOSSL

extension VictorServer {
    /// The TLS configuration of `tls`: its certificate chain and key read from their PEM files,
    /// and checked to belong together, so that a bad file stops the server before it binds.
    /// - Throws: ``ServerError/Code/invalidConfiguration`` naming the `server.tls` key at fault.
    static func tlsConfiguration(_ tls: ServerConfiguration.TLS) throws(ServerError) -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(tls.certificatePath)
        } catch {
            throw ServerError(
                .invalidConfiguration,
                "server.tls.certificate: \(tls.certificatePath) is not a readable PEM certificate file (\(error))"
            )
        }
        guard !chain.isEmpty else {
            throw ServerError(
                .invalidConfiguration,
                "server.tls.certificate: \(tls.certificatePath) holds no PEM certificate"
            )
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: tls.keyPath, format: .pem)
        } catch {
            throw ServerError(
                .invalidConfiguration,
                "server.tls.key: \(tls.keyPath) is not a readable PEM private key file (\(error))"
            )
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ServerError(
                .invalidConfiguration,
                "server.tls.key: \(tls.keyPath) does not belong to the certificate in \(tls.certificatePath) (\(error))"
            )
        }
        return configuration
    }
}
