import Foundation
import Logging
import Model
import Notifier
import NIOCore
import TaoStore

/// Alert rules for their owners, over the WebSocket (`alert_*`) and REST (`/api/v1/alerts`):
/// the `alerts` scope with `read` (deliveries carry dividend data), the operator's per-token cap, destinations checked before anything is
/// stored, and the webhook secret shown once.
struct AlertDesk: Sendable {
    let store: AlertStore
    let key: AlertKey
    /// Whether web push alerts can be delivered (the notifier has a VAPID key), and its public key.
    let vapidPublicKey: String?
    let policy: AddressPolicy
    let maximumRules: Int
    let logger: Logger

    func create(_ spec: AlertSpec, token: APIToken, id: MessageID?) async -> Result<ServerMessage, ProtocolError> {
        guard Self.mayUseAlerts(token) else { return .failure(forbidden(id)) }
        if case .webPush = spec.destination, vapidPublicKey == nil {
            return .failure(ProtocolError(.unavailable, "this server has no VAPID key, so it cannot send web push; use a webhook, or ask the operator to set TAOSTREAM_VAPID_KEY_FILE", id: id))
        }
        if let refusal = refusal(of: spec.destination.url, id: id) { return .failure(refusal) }
        let ruleID = "alr_" + Self.randomID()
        var sealed: [UInt8]?
        if case .webPush(let subscription) = spec.destination {
            sealed = try? key.seal(pushKeys: subscription.p256dh + subscription.auth, ruleID: ruleID)
        }
        do {
            guard let rule = try await store.create(spec, id: ruleID, tokenID: token.id, sealedPushKeys: sealed, maximumRules: maximumRules, logger: logger) else {
                return .failure(ProtocolError(.overLimit, "this token has \(maximumRules) alerts, the most it may have; delete one first", id: id))
            }
            var secret: String?
            if case .webhook = spec.destination { secret = key.webhookSecret(ruleID: ruleID).text }
            return .success(.alertCreated(id: id, rule, webhookSecret: secret))
        } catch {
            return .failure(unavailable(id))
        }
    }

    func list(token: APIToken, id: MessageID?) async -> Result<ServerMessage, ProtocolError> {
        guard Self.mayUseAlerts(token) else { return .failure(forbidden(id)) }
        do { return .success(.alerts(id: id, try await store.rules(tokenID: token.id, logger: logger))) } catch { return .failure(unavailable(id)) }
    }

    func delete(_ alertID: String, token: APIToken, id: MessageID?) async -> Result<ServerMessage, ProtocolError> {
        guard Self.mayUseAlerts(token) else { return .failure(forbidden(id)) }
        do {
            guard try await store.delete(alertID, tokenID: token.id, logger: logger) else { return .failure(unknown(alertID, id)) }
            return .success(.alertDeleted(id: id, alertID: alertID))
        } catch {
            return .failure(unavailable(id))
        }
    }

    func deliveries(_ alertID: String, token: APIToken, id: MessageID?) async -> Result<ServerMessage, ProtocolError> {
        guard Self.mayUseAlerts(token) else { return .failure(forbidden(id)) }
        do {
            guard let deliveries = try await store.deliveries(alertID: alertID, tokenID: token.id, logger: logger) else { return .failure(unknown(alertID, id)) }
            return .success(.alertDeliveries(id: id, alertID: alertID, deliveries))
        } catch {
            return .failure(unavailable(id))
        }
    }

    /// A destination named by an address the notifier will refuse is refused now, while the
    /// owner is there to read why. Names are resolved and checked again at every attempt.
    private func refusal(of url: String, id: MessageID?) -> ProtocolError? {
        guard !policy.allowPrivate, let host = URLComponents(string: url)?.host else { return nil }
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let literal = try? SocketAddress(ipAddress: bare, port: 0)
        if bare.lowercased() == "localhost" || bare.lowercased().hasSuffix(".localhost") || literal.map({ !AddressPolicy.isPublic($0) }) == true {
            return ProtocolError(.invalidField, "\(bare) is a private, loopback or link-local address; alerts go to public addresses only", id: id)
        }
        return nil
    }

    static func mayUseAlerts(_ token: APIToken) -> Bool { token.allows(.alerts) && token.allows(.read) }

    private func forbidden(_ id: MessageID?) -> ProtocolError {
        ProtocolError(.forbidden, "alerts need a token with both the 'read' and 'alerts' scopes; ask the operator for one", id: id)
    }

    private func unavailable(_ id: MessageID?) -> ProtocolError {
        ProtocolError(.unavailable, "alerts cannot be read or stored right now; retry shortly", id: id)
    }

    private func unknown(_ alertID: String, _ id: MessageID?) -> ProtocolError {
        ProtocolError(.unknownAlert, "this token has no alert '\(alertID.prefix(64))'", id: id)
    }

    static func randomID() -> String {
        (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
