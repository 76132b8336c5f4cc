import NIOCore
import Synchronization

/// One object per event loop, made on first use and only ever used on its own loop (which is what
/// makes keeping them in one shared table safe): the loop's codec, the loop's flusher.
final class PerEventLoop<Value: AnyObject>: Sendable {
    private let table = Mutex<[ObjectIdentifier: UncheckedBox<Value>]>([:])
    private let make: @Sendable (any EventLoop) -> Value

    init(_ make: @escaping @Sendable (any EventLoop) -> Value) {
        self.make = make
    }

    func of(_ loop: any EventLoop) -> Value {
        table.withLock { table in
            if let box = table[ObjectIdentifier(loop)] { return box.value }
            let value = make(loop)
            table[ObjectIdentifier(loop)] = UncheckedBox(value)
            return value
        }
    }
}

/// A loop-bound object carried through APIs that ask for Sendable; only its own loop touches it.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
