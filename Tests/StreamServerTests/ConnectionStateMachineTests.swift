@testable import StreamServer
import Model
import Testing

/// The connection's lifecycle without a socket or a clock: every instant is given.
@Suite("Connection state machine")
struct ConnectionStateMachineTests {
    let start = ContinuousClock.now
    let timings = ConnectionStateMachine.Timings(authentication: .seconds(5), idle: .seconds(300), ping: .seconds(30), closeHandshake: .seconds(2))

    @Test func silenceBeforeAuthenticationQueuesANoticeAndClose4000Once() {
        var machine = ConnectionStateMachine(now: start, timings: timings, authenticated: false)
        #expect(machine.nextDeadline == start + .seconds(5))
        #expect(machine.timerFired(now: start + .seconds(4), subscribed: false) == .none)
        let action = machine.timerFired(now: start + .seconds(5), subscribed: false)
        guard case .queueClose(.authenticationTimeout, _, let notice?) = action else {
            Issue.record("expected a 4000 close with a notice, got \(action)")
            return
        }
        #expect(notice.contains("5"))
        // Closing: the only deadline left is the handshake's, and it cuts the socket.
        #expect(machine.nextDeadline == start + .seconds(7))
        #expect(machine.timerFired(now: start + .seconds(6), subscribed: false) == .none)
        #expect(machine.timerFired(now: start + .seconds(7), subscribed: false) == .disconnect)
        #expect(machine.nextDeadline == nil)
    }

    @Test func authenticationInTimeCancelsTheDeadline() {
        var machine = ConnectionStateMachine(now: start, timings: timings, authenticated: false)
        machine.authenticated()
        #expect(machine.state == .open)
        #expect(machine.timerFired(now: start + .seconds(6), subscribed: false) == .none)
    }

    @Test func anUnsubscribedConnectionIdlesOutButASubscribedOneStays() {
        var machine = ConnectionStateMachine(now: start, timings: timings, authenticated: true)
        // Pings keep going meanwhile; answer them.
        for second in stride(from: 30, through: 300, by: 30) {
            #expect(machine.timerFired(now: start + .seconds(second), subscribed: true) == .sendPing)
            machine.pongReceived()
        }
        #expect(machine.timerFired(now: start + .seconds(301), subscribed: true) == .none)
        // Unsubscribed now: the idle clock runs from when it was last restarted (300 s).
        #expect(machine.timerFired(now: start + .seconds(302), subscribed: false) == .none)
        guard case .queueClose(.idleTimeout, _, nil) = machine.timerFired(now: start + .seconds(600), subscribed: false) else {
            Issue.record("expected 4005")
            return
        }
    }

    /// Every deadline the machine asks for after a timer is in the future: a past one would make
    /// the timer fire again at once, for ever (a subscribed connection past the idle time did).
    @Test func aTimerNeverLeavesADeadlineInThePast() {
        var machine = ConnectionStateMachine(now: start, timings: .init(authentication: .seconds(5), idle: .seconds(1), ping: .seconds(30), closeHandshake: .seconds(2)), authenticated: true)
        var now = start
        for _ in 0..<100 {
            now = machine.nextDeadline!
            _ = machine.timerFired(now: now, subscribed: true)
            if machine.state == .open { machine.pongReceived() }
            #expect(machine.nextDeadline! > now)
        }
        #expect(now >= start + .seconds(99))
    }

    @Test func activityPushesTheIdleDeadlineBack() {
        var machine = ConnectionStateMachine(now: start, timings: .init(authentication: .seconds(5), idle: .seconds(10), ping: .seconds(60), closeHandshake: .seconds(2)), authenticated: true)
        machine.messageReceived(now: start + .seconds(8))
        #expect(machine.nextDeadline == start + .seconds(18))
        #expect(machine.timerFired(now: start + .seconds(10), subscribed: false) == .none)
    }

    @Test func aPeerThatMissesAPongIsCut() {
        var machine = ConnectionStateMachine(now: start, timings: timings, authenticated: true)
        #expect(machine.timerFired(now: start + .seconds(30), subscribed: true) == .sendPing)
        #expect(machine.timerFired(now: start + .seconds(60), subscribed: true) == .disconnect)
        #expect(machine.state == .closed)
    }

    @Test func thePeersCloseIsEchoedUnlessWeClosedFirst() {
        var open = ConnectionStateMachine(now: start, timings: timings, authenticated: true)
        #expect(open.peerClosed(code: 1000) == .answerCloseAndDisconnect(code: 1000))
        #expect(open.peerClosed(code: 1000) == .none)

        var closing = ConnectionStateMachine(now: start, timings: timings, authenticated: true)
        closing.closeQueued(now: start)
        #expect(closing.isClosing)
        #expect(closing.peerClosed(code: 4003) == .disconnect)
    }
}
