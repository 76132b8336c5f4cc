import NIOCore

/// One compressor and one decompressor per event loop, shared by every connection on it: without
/// context takeover each message is compressed on its own, so no connection needs zlib state of
/// its own (tens of KiB each).
final class LoopCodec {
    let compressor = MessageCompressor()
    let decompressor = MessageDecompressor()

    private static let perLoop = PerEventLoop { _ in LoopCodec() }

    /// The codec of `loop`; only ever used on that loop.
    static func of(_ loop: any EventLoop) -> LoopCodec { perLoop.of(loop) }
}
