import Synchronization
import Testing

@testable import Retrieval

/// `Timers` fired by a driver (an I/O thread's wait) rather than the sweeper task.
@Suite struct DrivenTimersTests {
    /// Records what the timers ask of their driver.
    final class RecordingDriver: TimerDriver {
        let wakes = Mutex<[Duration]>([])

        func wake(by deadline: ContinuousClock.Instant) {
            wakes.withLock { $0.append(deadline - DrivenTimersTests.origin) }
        }
    }

    static let origin = ContinuousClock.now

    @Test func theDriverIsToldOnlyOfDeadlinesEarlierThanItKnows() {
        let driver = RecordingDriver()
        let timers = Timers(clock: ContinuousClock(), driver: driver)
        _ = timers.schedule(at: Self.origin + .seconds(5)) {}
        _ = timers.schedule(at: Self.origin + .seconds(7)) {}
        _ = timers.schedule(at: Self.origin + .seconds(3)) {}
        #expect(driver.wakes.withLock { $0 } == [.seconds(5), .seconds(3)])
    }

    @Test func fireDueRunsWhatIsDueInOrderAndReturnsTheNextDeadline() {
        let timers = Timers(clock: ContinuousClock(), driver: RecordingDriver())
        let fired = Mutex<[Int]>([])
        for second in [3, 1, 2, 9] {
            _ = timers.schedule(at: Self.origin + .seconds(second)) { fired.withLock { $0.append(second) } }
        }
        let next = timers.fireDue(now: Self.origin + .seconds(3))
        #expect(fired.withLock { $0 } == [1, 2, 3])
        #expect(next == Self.origin + .seconds(9))
        #expect(timers.fireDue(now: Self.origin + .seconds(4)) == Self.origin + .seconds(9))
        #expect(timers.pendingCount == 1)
    }

    @Test func aCancelledTimerNeitherFiresNorCountsAsTheNextDeadline() {
        let timers = Timers(clock: ContinuousClock(), driver: RecordingDriver())
        let fired = Mutex<[String]>([])
        let early = timers.schedule(at: Self.origin + .seconds(1)) { fired.withLock { $0.append("early") } }
        _ = timers.schedule(at: Self.origin + .seconds(2)) { fired.withLock { $0.append("late") } }
        timers.cancel(early)
        #expect(timers.fireDue(now: Self.origin) == Self.origin + .seconds(2))
        _ = timers.fireDue(now: Self.origin + .seconds(2))
        #expect(fired.withLock { $0 } == ["late"])
    }

    @Test func afterFireDueTheDriverIsToldAgainOfAnEarlierDeadline() {
        let driver = RecordingDriver()
        let timers = Timers(clock: ContinuousClock(), driver: driver)
        _ = timers.schedule(at: Self.origin + .seconds(10)) {}
        _ = timers.fireDue(now: Self.origin)  // the driver now sleeps until 10 s
        _ = timers.schedule(at: Self.origin + .seconds(12)) {}
        _ = timers.schedule(at: Self.origin + .seconds(4)) {}
        #expect(driver.wakes.withLock { $0 } == [.seconds(10), .seconds(4)])
    }

    @Test func whenTheDriverEndsTheSweeperFiresWhatIsPending() async {
        let timers = Timers(clock: ContinuousClock(), driver: RecordingDriver())
        let fired = OneShot<Bool>()
        _ = timers.schedule(at: ContinuousClock.now + .milliseconds(20)) { fired.resolve(true) }
        timers.driverEnded()
        #expect(await fired.wait())
        let later = OneShot<Bool>()
        _ = timers.schedule(at: ContinuousClock.now + .milliseconds(20)) { later.resolve(true) }
        #expect(await later.wait(), "timers scheduled afterwards use the sweeper too")
    }
}
