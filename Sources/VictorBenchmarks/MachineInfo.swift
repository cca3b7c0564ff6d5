import Foundation

/// The machine a report was measured on.
public struct MachineInfo: Sendable, Codable, Equatable {
    /// CPU model name.
    public var cpu: String
    /// Active processor count.
    public var cores: Int
    /// Physical memory in bytes.
    public var memoryBytes: Int
    /// Operating system name and version.
    public var os: String
    /// Swift compiler version the benchmarks were built with.
    public var swift: String
    /// `release` or `debug`.
    public var build: String

    /// Creates a description of a machine.
    public init(cpu: String, cores: Int, memoryBytes: Int, os: String, swift: String, build: String) {
        self.cpu = cpu
        self.cores = cores
        self.memoryBytes = memoryBytes
        self.os = os
        self.swift = swift
        self.build = build
    }

    /// The machine this process runs on.
    public static var current: MachineInfo {
        let info = ProcessInfo.processInfo
        return MachineInfo(
            cpu: cpuModel() ?? "unknown",
            cores: info.activeProcessorCount,
            memoryBytes: Int(clamping: info.physicalMemory),
            os: osName() ?? info.operatingSystemVersionString,
            swift: compilerVersion,
            build: isDebugBuild ? "debug" : "release"
        )
    }

    /// Whether this code was compiled without optimization; figures from such a build mislead.
    public static var isDebugBuild: Bool {
        #if DEBUG
        true
        #else
        false
        #endif
    }

    private static var compilerVersion: String {
        #if compiler(>=6.4)
        "6.4 or later"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #elseif compiler(>=6.1)
        "6.1"
        #else
        "6.0"
        #endif
    }

    private static func cpuModel() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
            #if os(macOS)
            return "Apple \(ProcessInfo.processInfo.machineHardwareName ?? "CPU")"
            #else
            return nil
            #endif
        }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    private static func osName() -> String? {
        guard let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }
}

#if os(macOS)
extension ProcessInfo {
    fileprivate var machineHardwareName: String? {
        var size = 0
        sysctlbyname("hw.machine", nil, &size, nil, 0)
        var buffer = [CChar](repeating: 0, count: size)
        guard sysctlbyname("hw.machine", &buffer, &size, nil, 0) == 0 else { return nil }
        return String(cString: buffer)
    }
}
#endif
