import Foundation

#if canImport(Glibc)
import Glibc
#endif

public enum Network {
    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0, "socket() failed")
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        precondition(bound == 0, "bind() failed")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func isListening(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }

    /// Waits until the port accepts connections, or fails after `timeout`.
    /// Waits for a listener on `port`; with `process`, fails at once when that process exits first
    /// (a missing Python module, say), quoting the end of `log`, instead of waiting out `timeout`.
    public static func waitUntilListening(
        port: Int, timeout: Duration = .seconds(30), what: String, process: ChildProcess? = nil, log: String? = nil
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while !isListening(port: port) {
            if let process, !process.isRunning {
                let tail = log.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }.map { String($0.suffix(2000)) } ?? ""
                throw ChildProcess.SpawnError(description: "\(what) exited before listening on 127.0.0.1:\(port)\(tail.isEmpty ? "" : ":\n" + tail)")
            }
            if ContinuousClock.now > deadline {
                throw ChildProcess.SpawnError(description: "\(what) did not listen on 127.0.0.1:\(port) within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
