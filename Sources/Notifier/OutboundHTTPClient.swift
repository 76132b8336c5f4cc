import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One-shot HTTP/1.1 POSTs to alert destinations. Written for what webhooks need rather than on a
/// general client, for one reason: the address is resolved here, checked against the
/// ``AddressPolicy``, and the connection goes to that checked address, so a name that resolves to
/// a private address (at once, or on a second lookup: DNS rebinding) is never reached. Redirects
/// are not followed (a 3xx is a failed attempt); the response body is read up to 4 KiB.
public struct OutboundHTTPClient: Sendable {
    public struct Response: Sendable, Equatable {
        public var status: Int
        public var body: [UInt8]
    }

    public let policy: AddressPolicy
    public let timeout: TimeAmount
    private let group: any EventLoopGroup
    private let tls: NIOSSLContext?

    public init(policy: AddressPolicy, timeout: TimeAmount = .seconds(10), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.policy = policy
        self.timeout = timeout
        self.group = group
        self.tls = try? NIOSSLContext(configuration: .makeClientConfiguration())
    }

    public func post(_ urlText: String, headers: [(String, String)], body: [UInt8]) async throws(OutboundError) -> Response {
        let target = try Target(urlText)
        let address = try await resolveWithinTimeout(target)
        guard policy.permits(address) else { throw .refusedAddress(host: target.host) }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.path)
        head.headers.add(name: "Host", value: target.hostHeader)
        head.headers.add(name: "User-Agent", value: "TaoStream-Notifier")
        head.headers.add(name: "Content-Length", value: String(body.count))
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        do {
            return try await exchange(head: head, body: body, target: target, address: address)
        } catch let error as OutboundError {
            throw error
        } catch let error as NIOSSLError {
            throw .tls("\(error)")
        } catch {
            throw .connection("\(error)")
        }
    }

    /// A lookup is bounded like the rest of the attempt (`getaddrinfo` blocks a pool thread).
    private func resolveWithinTimeout(_ target: Target) async throws(OutboundError) -> SocketAddress {
        let timeout = Duration.nanoseconds(self.timeout.nanoseconds)
        let result = await withTaskGroup(of: Result<SocketAddress, OutboundError>?.self) { group in
            group.addTask { do throws(OutboundError) { return .success(try await resolve(target)) } catch { return .failure(error) } }
            group.addTask { try? await Task.sleep(for: timeout); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(.timeout)
        }
        return try result.get()
    }

    private func resolve(_ target: Target) async throws(OutboundError) -> SocketAddress {
        if let literal = try? SocketAddress(ipAddress: target.host, port: target.port) { return literal }
        do {
            return try await NIOThreadPool.singleton.runIfActive { try SocketAddress.makeAddressResolvingHost(target.host, port: target.port) }
        } catch {
            throw .unresolvable(host: target.host)
        }
    }

    private func exchange(head: HTTPRequestHead, body: [UInt8], target: Target, address: SocketAddress) async throws -> Response {
        let loop = group.next()
        let promise = loop.makePromise(of: Response.self)
        let tls = target.secure ? try (self.tls ?? NIOSSLContext(configuration: .makeClientConfiguration())) : nil
        let serverName = target.isLiteral ? nil : target.host
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName)) }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
        let deadline = loop.scheduleTask(in: timeout) { promise.fail(OutboundError.timeout) }
        defer { deadline.cancel() }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(to: address).get()
        } catch {
            promise.fail(OutboundError.connection("cannot connect to \(target.host):\(target.port) (\(error))"))
            return try await promise.futureResult.get()
        }
        promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return try await promise.futureResult.get()
    }

    /// The parts of a URL a request needs.
    struct Target {
        var secure: Bool
        var host: String
        var port: Int
        var path: String
        var isLiteral: Bool

        var hostHeader: String {
            let shown = host.contains(":") ? "[\(host)]" : host
            return (secure && port == 443) || (!secure && port == 80) ? shown : "\(shown):\(port)"
        }

        init(_ text: String) throws(OutboundError) {
            guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", var host = components.host, !host.isEmpty else { throw .invalidURL }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            secure = scheme == "https"
            self.host = host
            port = components.port ?? (secure ? 443 : 80)
            let query = components.percentEncodedQuery.map { "?\($0)" } ?? ""
            path = (components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath) + query
            isLiteral = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        }
    }
}

/// Why a request got no HTTP answer. No secret is ever part of one (URLs are not echoed whole).
public enum OutboundError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL
    case unresolvable(host: String)
    case refusedAddress(host: String)
    case connection(String)
    case tls(String)
    case timeout
    case malformedResponse

    public var description: String {
        switch self {
        case .invalidURL: return "the URL is not an absolute http(s) URL"
        // One answer for both, so an alert's owner cannot map the operator's internal names.
        case .unresolvable(let host), .refusedAddress(let host):
            return "\(host) does not resolve to a public address; alerts go to public addresses only, not private, loopback or link-local ones (the operator can allow those with TAOSTREAM_WEBHOOK_ALLOW_PRIVATE)"
        case .connection(let reason): return "connection failed: \(reason)"
        case .tls(let reason): return "TLS failed: \(reason)"
        case .timeout: return "no answer in time"
        case .malformedResponse: return "the answer is not HTTP"
        }
    }
}

/// Collects one response: status and the first 4 KiB of its body.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    private let promise: EventLoopPromise<OutboundHTTPClient.Response>
    private var status: Int?
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<OutboundHTTPClient.Response>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView.prefix(max(0, 4_096 - body.count)))
        case .end:
            if let status { promise.succeed(.init(status: status, body: body)) } else { promise.fail(OutboundError.malformedResponse) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(OutboundError.connection("closed before the answer ended"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error is NIOSSLError ? OutboundError.tls("\(error)") : (error as? HTTPParserError).map { _ in OutboundError.malformedResponse } ?? OutboundError.connection("\(error)"))
        context.close(promise: nil)
    }
}
