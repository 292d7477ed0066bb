import Testing
@testable import Sockets

@Suite struct PollRegistrationStateMachineTests {
    typealias Machine = PollRegistration.StateMachine

    @Test func wantingProgramsOnlyChanges() {
        var m = Machine()
        #expect(m.want([]) == .none)
        #expect(m.want(.read) == .program(.read))
        #expect(m.want(.read) == .none)
        #expect(m.want([.read, .write]) == .program([.read, .write]))
        #expect(m.want(.read) == .program(.read))
        #expect(m.want([]) == .program([]))
    }

    @Test func takenEventDisarmsAndHandledRearms() {
        var m = Machine()
        _ = m.want(.read)
        #expect(m.eventTaken() == .deliver)
        #expect(m.state == .open(wanted: .read, armed: []))
        // The owner asking again for what it wants before the handler ran re-arms at once:
        // the kernel registration is disarmed, so skipping it would lose the wake-up.
        #expect(m.want(.read) == .program(.read))
        #expect(m.handled() == .none)
        #expect(m.eventTaken() == .deliver)
        #expect(m.handled() == .program(.read))
    }

    @Test func handlerThatWantsNothingLeavesItDisarmed() {
        var m = Machine()
        _ = m.want(.read)
        _ = m.eventTaken()
        _ = m.want([])
        #expect(m.handled() == .none)
        #expect(m.want(.write) == .program(.write))
    }

    @Test func closeHappensOnceAndEverythingAfterIsInert() {
        var m = Machine()
        _ = m.want([.read, .write])
        #expect(m.close() == .deregisterAndClose)
        #expect(m.isClosed)
        #expect(m.close() == .none)
        #expect(m.want(.read) == .none)
        #expect(m.eventTaken() == .drop)
        #expect(m.handled() == .none)
        #expect(m.state == .closed)
    }

    @Test func closeBeforeAnyInterest() {
        var m = Machine()
        #expect(m.close() == .deregisterAndClose)
        #expect(m.eventTaken() == .drop)
    }
}
