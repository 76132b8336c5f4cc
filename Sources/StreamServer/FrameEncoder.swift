import Foundation
import Model
import NIOCore

/// Encodes server messages to the bytes of one text frame.
enum FrameEncoder {
    static func encode(_ message: ServerMessage) -> ByteBuffer {
        // Encoding these types cannot fail: every value is a string, number, bool or null.
        let data = (try? JSONEncoder().encode(message)) ?? Data(#"{"type":"error","code":"internal_error","message":"encoding failed"}"#.utf8)
        return ByteBuffer(bytes: data)
    }

    /// An `update` frame around a change's JSON as the watcher published it, without re-encoding:
    /// the same buffer then goes to every recipient.
    static func update(payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(payload.count + 30)
        buffer.writeString(#"{"type":"update","change":"#)
        buffer.writeBytes(payload)
        buffer.writeString("}")
        return buffer
    }
}
