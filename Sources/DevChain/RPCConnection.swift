import Model
import SubstrateCore
import Synchronization

/// One client of the DevChain's JSON-RPC: answers requests and pushes subscription
/// notifications. `send` writes one JSON text frame.
final class RPCConnection: Sendable {
    enum Subscription: Sendable {
        case newHeads, allHeads, finalizedHeads, runtimeVersion
        case storage(keys: [[UInt8]])
        case extrinsic(hash: [UInt8])

        /// The method that ends this kind of subscription: each ends only its own kind, as on a
        /// Substrate node (any other answers false).
        var unsubscribeMethod: String {
            switch self {
            case .newHeads: "chain_unsubscribeNewHeads"
            case .allHeads: "chain_unsubscribeAllHeads"
            case .finalizedHeads: "chain_unsubscribeFinalizedHeads"
            case .runtimeVersion: "state_unsubscribeRuntimeVersion"
            case .storage: "state_unsubscribeStorage"
            case .extrinsic: "author_unwatchExtrinsic"
            }
        }
    }

    let chain: DevChain
    let send: @Sendable (JSONValue) async -> Void
    private let subscriptions = Mutex<[String: Subscription]>([:])
    private let nextID = Atomic<UInt64>(1)

    init(chain: DevChain, send: @escaping @Sendable (JSONValue) async -> Void) {
        self.chain = chain
        self.send = send
    }

    /// Answers one frame (a request or, rarely, a batch).
    func handle(_ text: String) async {
        guard let request = try? JSONParser.parse(text.utf8) else {
            await send(.object(["jsonrpc": "2.0", "id": .null, "error": RPCError.parseError.json]))
            return
        }
        if case .array(let batch) = request {
            for item in batch { await handle(request: item) }
        } else {
            await handle(request: request)
        }
    }

    private func handle(request: JSONValue) async {
        guard case .object(let object) = request, case .string(let method)? = object["method"] else {
            await send(.object(["jsonrpc": "2.0", "id": .null, "error": RPCError.invalidRequest.json]))
            return
        }
        let id = object["id"] ?? .null
        do {
            let result = try await RPCMethods(connection: self).call(method, RPCParameters(object["params"]))
            await send(.object(["jsonrpc": "2.0", "id": id, "result": result]))
        } catch let error as RPCError {
            await send(.object(["jsonrpc": "2.0", "id": id, "error": error.json]))
        } catch {
            await send(.object(["jsonrpc": "2.0", "id": id, "error": RPCError(code: -32603, message: "Internal error: \(error)", data: nil).json]))
        }
    }

    func subscribe(_ subscription: Subscription) -> String {
        let id = "\(nextID.add(1, ordering: .relaxed).oldValue)"
        subscriptions.withLock { $0[id] = subscription }
        return id
    }

    /// Ends subscription `id`; with `method`, only if that method ends its kind.
    func unsubscribe(_ id: String, method: String? = nil) -> Bool {
        subscriptions.withLock { subscriptions in
            guard let subscription = subscriptions[id], method.map({ $0 == subscription.unsubscribeMethod }) ?? true else { return false }
            subscriptions[id] = nil
            return true
        }
    }

    func notify(_ method: String, _ id: String, _ result: JSONValue) async {
        await send(.object(["jsonrpc": "2.0", "method": .string(method), "params": .object(["subscription": .string(id), "result": result])]))
    }

    /// Forwards chain events to this connection's subscriptions until the connection ends.
    func pump(_ events: AsyncStream<DevChain.Event>) async {
        var lastFinalized: UInt64 = 0
        var lastSpec = await chain.specVersion()
        for await event in events {
            let current = subscriptions.withLock { $0 }
            switch event {
            case .newBlock(let header, let finalized):
                for (id, subscription) in current {
                    switch subscription {
                    case .newHeads:
                        await notify("chain_newHead", id, header.json)
                    case .allHeads:
                        await notify("chain_allHead", id, header.json)
                    case .finalizedHeads where finalized.number > lastFinalized:
                        await notify("chain_finalizedHead", id, finalized.json)
                    case .runtimeVersion:
                        let spec = await chain.specVersion(at: header.hash)
                        if spec != lastSpec { await notify("state_runtimeVersion", id, RPCMethods(connection: self).runtimeVersion(spec: spec)) }
                    case .storage(let keys):
                        let block = header.hash
                        var changes: [JSONValue] = []
                        for key in keys {
                            let now = await chain.storage(key, at: block)
                            let before = await chain.storage(key, at: header.parentHash)
                            if now != before { changes.append(.array([key.hexJSON, now?.hexJSON ?? .null])) }
                        }
                        if !changes.isEmpty {
                            await notify("state_storage", id, .object(["block": block.hexJSON, "changes": .array(changes)]))
                        }
                    default:
                        break
                    }
                }
                lastFinalized = max(lastFinalized, finalized.number)
                lastSpec = await chain.specVersion(at: header.hash)
            case .extrinsic(let hash, let status):
                for (id, subscription) in current {
                    guard case .extrinsic(let watched) = subscription, watched == hash else { continue }
                    switch status {
                    case .ready: await notify("author_extrinsicUpdate", id, "ready")
                    case .inBlock(let block): await notify("author_extrinsicUpdate", id, .object(["inBlock": block.hexJSON]))
                    case .finalized(let block):
                        await notify("author_extrinsicUpdate", id, .object(["finalized": block.hexJSON]))
                        _ = unsubscribe(id)
                    case .invalid:
                        await notify("author_extrinsicUpdate", id, "invalid")
                        _ = unsubscribe(id)
                    }
                }
            }
        }
    }
}

import Foundation
