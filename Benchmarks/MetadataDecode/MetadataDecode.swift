import Foundation
import SubstrateCore

/// Times decoding the recorded spec-343 metadata (V14 and V15) and building storage keys, the
/// work a ChainWatcher does at start and on every runtime upgrade.
@main
struct MetadataDecode {
    static func main() throws {
        let directory = CommandLine.arguments.dropFirst().first ?? "Sources/DevChain/Resources"
        let rounds = Int(CommandLine.arguments.dropFirst(2).first ?? "") ?? 50
        for (name, file) in [("V14", "spec343-state_getMetadata.hex"), ("V15", "spec343-metadata_at_version_15.hex")] {
            let text = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            var metadata = try RuntimeMetadata(rpcResult: text)
            let bytes = try Hex.decode(text).count
            var samples: [Duration] = []
            for _ in 0..<rounds {
                let start = ContinuousClock.now
                metadata = try RuntimeMetadata(rpcResult: text)
                samples.append(ContinuousClock.now - start)
            }
            report("decode \(name) (\(bytes / 1024) KiB, hex included)", samples)
            if name == "V15" {
                let storage = try StorageKey(metadata: metadata, pallet: "SubtensorModule", item: "AlphaDividendsPerSubnet")
                let hotkey = DynamicValue.string("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")
                var keys: [Duration] = []
                for _ in 0..<rounds {
                    let start = ContinuousClock.now
                    for netuid in 0..<1000 { _ = try storage.key([.unsigned(UInt128(netuid % 128)), hotkey]) }
                    keys.append((ContinuousClock.now - start) / 1000)
                }
                report("AlphaDividendsPerSubnet key (dynamic)", keys)
            }
        }
    }

    static func report(_ what: String, _ samples: [Duration]) {
        let sorted = samples.sorted()
        func ms(_ duration: Duration) -> String {
            String(format: "%.3f ms", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)
        }
        print("\(what): min \(ms(sorted[0])), median \(ms(sorted[sorted.count / 2])), max \(ms(sorted[sorted.count - 1])) over \(samples.count) runs")
    }
}
