@testable import StreamServer
import Model
import NIOCore
import Testing

/// The per-client queue on its own: conflation, offset order, the count and byte limits, and the
/// drain hand-over between producers and the event loop.
@Suite("Outbound queue")
struct OutboundQueueTests {
    static func key(_ netuid: UInt16) -> DividendKey { DividendKey(kind: .alpha, netuid: netuid, hotkey: "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY") }
    static let frame = UpdateFrame(payload: ByteBuffer(string: #"{"type":"update"}"#), compressor: nil)

    static func push(_ queue: OutboundQueue, netuid: UInt16, block: UInt64) -> OutboundQueue.PushResult {
        queue.push(update: frame, key: key(netuid), offset: StreamOffset(block: block, sequence: 0), received: .now)
    }

    /// The offsets of the updates in the order they would be written.
    static func drained(_ queue: OutboundQueue) -> [UInt16] {
        var netuids: [UInt16] = []
        while let item = queue.take() {
            if case .update(let key, _, _) = item { netuids.append(key.netuid) }
        }
        return netuids
    }

    @Test func conflationMovesAKeysNewestValueToTheBackSoOffsetsStayInOrder() {
        let queue = OutboundQueue(limit: 2, policy: .conflate)
        #expect(Self.push(queue, netuid: 1, block: 1) == .queued)
        #expect(Self.push(queue, netuid: 2, block: 2) == .queued)
        // Full: netuid 1's queued update is replaced, and the new one goes behind netuid 2's.
        #expect(Self.push(queue, netuid: 1, block: 3) == .conflated)
        #expect(Self.drained(queue) == [2, 1])
    }

    @Test func theClosePolicyReportsAnOverflowAtTheLimit() {
        let queue = OutboundQueue(limit: 2, policy: .close)
        #expect(Self.push(queue, netuid: 1, block: 1) == .queued)
        #expect(Self.push(queue, netuid: 2, block: 2) == .queued)
        #expect(Self.push(queue, netuid: 3, block: 3) == .overflow)
    }

    @Test func repliesCountAgainstTheByteLimit() {
        let queue = OutboundQueue(limit: 1024, byteLimit: 100, policy: .conflate)
        #expect(queue.push(frame: ByteBuffer(repeating: 0x20, count: 80)) == .queued)
        #expect(queue.push(frame: ByteBuffer(repeating: 0x20, count: 80)) == .overflow)
        #expect(queue.queuedBytes == 80)
        // A close frame always fits: the connection must be able to say goodbye.
        queue.pushClose(code: 4003, reason: "slow")
        guard case .frame? = queue.take(), case .close(4003, _)? = queue.take() else {
            Issue.record("expected the reply, then the close")
            return
        }
    }

    @Test func oneDrainIsAskedForHoweverManyPushesComeFirst() {
        let queue = OutboundQueue(limit: 16, policy: .conflate)
        #expect(!queue.requestDrain())
        _ = Self.push(queue, netuid: 1, block: 1)
        #expect(queue.requestDrain())
        _ = Self.push(queue, netuid: 2, block: 2)
        #expect(!queue.requestDrain())
        #expect(Self.drained(queue) == [1, 2])
        // The drain ended with the queue empty: the next push asks again.
        _ = Self.push(queue, netuid: 3, block: 3)
        #expect(queue.requestDrain())
        // A drain that parks (the socket is full) hands the queue back with its items.
        queue.park()
        #expect(queue.requestDrain())
    }

    @Test func nothingIsQueuedAfterClose() {
        let queue = OutboundQueue(limit: 16, policy: .conflate)
        queue.discard()
        #expect(Self.push(queue, netuid: 1, block: 1) == .closed)
        #expect(queue.isEmpty)
    }
}
