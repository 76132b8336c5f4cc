import Model
import Synchronization

/// Which connections wait for which command's status.
final class CommandStatusRouter: Sendable {
    private let waiting = Mutex<[String: [ObjectIdentifier: ClientSession]]>([:])

    func watch(_ commandID: String, by session: ClientSession) {
        waiting.withLock { $0[commandID, default: [:]][ObjectIdentifier(session)] = session }
    }

    func forget(_ session: ClientSession) {
        waiting.withLock { table in
            for key in table.keys { table[key]?[ObjectIdentifier(session)] = nil }
            table = table.filter { !$0.value.isEmpty }
        }
    }

    func deliver(_ status: CommandStatus) {
        let sessions = waiting.withLock { table -> [ClientSession] in
            let sessions = Array(table[status.commandID]?.values ?? [:].values)
            if status.state.isFinal { table[status.commandID] = nil }
            return sessions
        }
        for session in sessions { session.send(.commandStatus(id: nil, status)) }
    }
}
