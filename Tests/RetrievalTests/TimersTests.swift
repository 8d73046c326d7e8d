import Testing

@testable import Retrieval

/// The shared deadline sweeper: order, cancellation, waking early, bounded memory.
@Suite(.timeLimit(.minutes(1)))
struct TimersTests {
    /// Something an action can hold, to see when the action is released.
    final class Payload: Sendable {}

    @Test("Timers fire at their deadlines in deadline order, equal deadlines in scheduling order")
    func firesInDeadlineOrder() async {
        await withTimers { clock, timers in
            let fired = Recorder<String>()
            for (name, second) in [("c", 3), ("a", 1), ("b1", 2), ("b2", 2)] {
                _ = timers.schedule(at: .seconds(second)) { fired.append("\(name) at \(clock.now)") }
            }
            #expect(timers.pendingCount == 4)

            await clock.waitForSleeper(until: .seconds(1))
            clock.advance(to: .seconds(1))
            await fired.waitForCount(1)
            await clock.waitForSleeper(until: .seconds(2))
            clock.advance(to: .seconds(2))
            await fired.waitForCount(3)
            await clock.waitForSleeper(until: .seconds(3))
            clock.advance(to: .seconds(3))
            await fired.waitForCount(4)

            #expect(
                fired.elements == [
                    "a at t=1.0 seconds", "b1 at t=2.0 seconds", "b2 at t=2.0 seconds", "c at t=3.0 seconds",
                ]
            )
            #expect(timers.pendingCount == 0)
        }
    }

    @Test("Timers already due when the sweeper looks fire together, still in order")
    func dueTimersFireInOrder() async {
        await withTimers { clock, timers in
            let fired = Recorder<Int>()
            for second in [4, 2, 3, 1] {
                _ = timers.schedule(at: .seconds(second)) { fired.append(second) }
            }
            await clock.waitForSleeper(until: .seconds(1))
            clock.advance(to: .seconds(10))
            await fired.waitForCount(4)
            #expect(fired.elements == [1, 2, 3, 4])
        }
    }

    @Test("Cancelling a timer releases its action at once, and it never fires")
    func cancelReleasesTheAction() async {
        await withTimers { clock, timers in
            weak var weakPayload: Payload?
            let fired = Recorder<String>()
            let handle: Timers<ManualClock>.Handle
            do {
                let payload = Payload()
                weakPayload = payload
                handle = timers.schedule(at: .seconds(5)) {
                    withExtendedLifetime(payload) { _ = fired.append("cancelled timer") }
                }
            }
            #expect(weakPayload != nil)

            #expect(timers.cancel(handle))
            #expect(weakPayload == nil)
            #expect(timers.pendingCount == 0)
            #expect(!timers.cancel(handle))

            // A later timer fires; the cancelled one does not.
            _ = timers.schedule(at: .seconds(6)) { fired.append("later timer") }
            await clock.waitForSleepers { $0.contains(.seconds(5)) || $0.contains(.seconds(6)) }
            clock.advance(to: .seconds(6))
            await fired.waitForCount(1)
            #expect(fired.elements == ["later timer"])
        }
    }

    @Test("Cancelling a fired timer returns false")
    func cancellingAFiredTimerReturnsFalse() async {
        await withTimers { clock, timers in
            let fired = Recorder<String>()
            let handle = timers.schedule(at: .seconds(1)) { fired.append("fired") }
            await clock.waitForSleeper(until: .seconds(1))
            clock.advance(to: .seconds(1))
            await fired.waitForCount(1)
            #expect(!timers.cancel(handle))
        }
    }

    @Test("An earlier deadline scheduled while the sweeper sleeps for a later one fires on time")
    func earlierDeadlineWakesTheSweeper() async {
        await withTimers { clock, timers in
            let fired = Recorder<String>()
            _ = timers.schedule(at: .seconds(10)) { fired.append("late at \(clock.now)") }
            await clock.waitForSleeper(until: .seconds(10))

            _ = timers.schedule(at: .seconds(3)) { fired.append("early at \(clock.now)") }
            await clock.waitForSleeper(until: .seconds(3))
            // The sweeper that slept until 10 s was replaced, not joined by a second one.
            #expect(clock.sleeperDeadlines == [.seconds(3)])
            clock.advance(to: .seconds(3))
            await fired.waitForCount(1)

            await clock.waitForSleeper(until: .seconds(10))
            clock.advance(to: .seconds(10))
            await fired.waitForCount(2)
            #expect(fired.elements == ["early at t=3.0 seconds", "late at t=10.0 seconds"])
        }
    }

    @Test("Many cancellations rebuild the heap, so it stays small")
    func cancellationsKeepTheHeapSmall() async {
        await withTimers { _, timers in
            let keeper = timers.schedule(at: .seconds(1)) {}
            var largestHeap = 0
            for index in 0..<200_000 {
                let handle = timers.schedule(at: .init(.seconds(2) + .nanoseconds(index))) {}
                timers.cancel(handle)
                largestHeap = max(largestHeap, timers.queueCount)
            }
            #expect(largestHeap <= 3)
            #expect(timers.pendingCount == 1)

            var handles = (0..<10_000).map { index in
                timers.schedule(at: .init(.seconds(3) + .nanoseconds(index))) {}
            }
            handles.shuffle()
            for handle in handles.dropFirst(10) {
                timers.cancel(handle)
            }
            #expect(timers.pendingCount == 11)
            #expect(timers.queueCount <= 2 * timers.pendingCount)

            for handle in handles.prefix(10) + [keeper] {
                timers.cancel(handle)
            }
            #expect(timers.pendingCount == 0)
            #expect(timers.queueCount == 0)
        }
    }

    @Test("A cancelled sleep throws at once and leaves no timer behind")
    func cancelledSleepReleasesItsTimer() async {
        await withTimers { clock, timers in
            let sleeper = Task { try await timers.sleep(for: .seconds(10)) }
            await clock.waitForSleeper(until: .seconds(10))
            #expect(timers.pendingCount == 1)

            sleeper.cancel()
            await #expect(throws: CancellationError.self) { try await sleeper.value }
            #expect(timers.pendingCount == 0)
            #expect(clock.now == .seconds(0))
        }
    }

    @Test("A sleep in a task that is already cancelled throws without scheduling")
    func sleepInCancelledTaskThrows() async {
        await withTimers { _, timers in
            let sleeper = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                try await timers.sleep(for: .seconds(10))
            }
            await #expect(throws: CancellationError.self) { try await sleeper.value }
            #expect(timers.pendingCount == 0)
        }
    }

    @Test("A sleep ends at its deadline")
    func sleepEndsAtItsDeadline() async throws {
        try await withTimers { clock, timers in
            let sleeper = Task {
                try await timers.sleep(until: .seconds(2))
                return clock.now
            }
            await clock.waitForSleeper(until: .seconds(2))
            clock.advance(to: .seconds(2))
            let wokeAt = try await sleeper.value
            #expect(wokeAt == .seconds(2))
        }
    }
}
