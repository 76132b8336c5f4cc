#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import ServiceLifecycle

/// A service that listens on an address (an HTTP application): when it cannot, the error names
/// the address and what to do, instead of NIO's `bind(descriptor:ptr:bytes:)` and an errno.
public struct ListeningService: Service {
    let service: any Service
    let host: String
    let port: Int
    /// The setting that chooses the port, named in the error.
    let portSetting: String

    public init(_ service: any Service, host: String, port: Int, portSetting: String) {
        self.service = service
        self.host = host
        self.port = port
        self.portSetting = portSetting
    }

    public func run() async throws {
        do {
            try await service.run()
        } catch let error as IOError {
            guard let reason = ListenError.Reason(errno: error.errnoCode) else { throw error }
            throw ListenError(host: host, port: port, reason: reason, portSetting: portSetting)
        }
    }
}

/// A server could not listen where it was told to.
public struct ListenError: Error, CustomStringConvertible {
    public enum Reason: Sendable {
        case addressInUse, permissionDenied, addressNotAvailable

        init?(errno: CInt) {
            switch errno {
            case EADDRINUSE: self = .addressInUse
            case EACCES: self = .permissionDenied
            case EADDRNOTAVAIL: self = .addressNotAvailable
            default: return nil
            }
        }
    }

    public let host: String
    public let port: Int
    public let reason: Reason
    let portSetting: String

    public var description: String {
        switch reason {
        case .addressInUse:
            "cannot listen on \(host):\(port): the address is already in use; stop what listens there or choose another port (\(portSetting))"
        case .permissionDenied:
            "cannot listen on \(host):\(port): permission denied; ports below 1024 need privileges, choose another port (\(portSetting))"
        case .addressNotAvailable:
            "cannot listen on \(host):\(port): \(host) is not an address of this machine"
        }
    }
}
