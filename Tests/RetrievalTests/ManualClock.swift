import Synchronization

/// A clock whose time moves only when a test says so.
///
/// `sleep(until:tolerance:)` parks the caller until `advance` passes its deadline; a test
/// first waits until the sleep it expects is registered (`waitForSleeper(until:)`), then
/// advances. Nothing sleeps for real, so timings are exact and tests are not flaky.
/// (Modelled on `MockClock.nextTimerScheduled()` in postgres-nio's ConnectionPoolTestUtils.)
///
/// ```swift
/// let clock = ManualClock()
/// await clock.waitForSleeper(until: .seconds(5))
/// clock.advance(to: .seconds(5))
/// ```
final class ManualClock: Clock, Sendable {
    /// A point in virtual time: an offset from the clock's zero.
    struct Instant: InstantProtocol, CustomStringConvertible {
        var offset: Duration

        init(_ offset: Duration) {
            self.offset = offset
        }

        /// The instant `offset` after zero, so tests can write `.seconds(5)`.
        static func seconds(_ seconds: Int) -> Instant {
            Instant(.seconds(seconds))
        }

        func advanced(by duration: Duration) -> Instant {
            Instant(offset + duration)
        }

        func duration(to other: Instant) -> Duration {
            other.offset - offset
        }

        static func < (lhs: Instant, rhs: Instant) -> Bool {
            lhs.offset < rhs.offset
        }

        var description: String { "t=\(offset)" }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Watcher {
        var id: UInt64
        var condition: @Sendable ([Instant]) -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now = Instant(.zero)
        /// Numbers sleepers and watchers, to find them again on cancellation.
        var nextID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        var watchers: [Watcher] = []

        /// Deadlines of the sleepers still parked.
        var deadlines: [Instant] { sleepers.values.map(\.deadline) }

        /// Removes and returns the watchers whose condition now holds.
        mutating func satisfiedWatchers() -> [Watcher] {
            let deadlines = deadlines
            var satisfied: [Watcher] = []
            watchers.removeAll { watcher in
                guard watcher.condition(deadlines) else {
                    return false
                }
                satisfied.append(watcher)
                return true
            }
            return satisfied
        }
    }

    private let state = Mutex(State())

    init() {}

    var now: Instant { state.withLock { $0.now } }

    var minimumResolution: Duration { .nanoseconds(1) }

    /// Deadlines of the sleepers parked now, earliest first.
    var sleeperDeadlines: [Instant] { state.withLock { $0.deadlines.sorted() } }

    func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Registration {
                    case parked([Watcher])
                    case due, cancelled
                }
                // Task.isCancelled is set before onCancel runs, so checking it under the
                // lock closes the window between registering and an early cancellation.
                let registration = state.withLock { state -> Registration in
                    if Task.isCancelled {
                        return .cancelled
                    }
                    if deadline <= state.now {
                        return .due
                    }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return .parked(state.satisfiedWatchers())
                }
                switch registration {
                case .cancelled:
                    continuation.resume(throwing: CancellationError())
                case .due:
                    continuation.resume()
                case .parked(let watchers):
                    for watcher in watchers {
                        watcher.continuation.resume()
                    }
                }
            }
        } onCancel: {
            let (sleeper, watchers) = state.withLock { state in
                (state.sleepers.removeValue(forKey: id), state.satisfiedWatchers())
            }
            sleeper?.continuation.resume(throwing: CancellationError())
            for watcher in watchers {
                watcher.continuation.resume()
            }
        }
    }

    /// Moves time forward to `instant` and wakes every sleeper due, in deadline order.
    func advance(to instant: Instant) {
        let (due, watchers) = state.withLock { state in
            precondition(instant >= state.now, "time only moves forward")
            state.now = instant
            let due = state.sleepers.filter { $0.value.deadline <= instant }
                .sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }
            for (id, _) in due {
                state.sleepers[id] = nil
            }
            return (due.map(\.value), state.satisfiedWatchers())
        }
        for sleeper in due {
            sleeper.continuation.resume()
        }
        for watcher in watchers {
            watcher.continuation.resume()
        }
    }

    /// Moves time forward by `duration`; see `advance(to:)`.
    func advance(by duration: Duration) {
        advance(to: now.advanced(by: duration))
    }

    /// Returns once the parked sleepers' deadlines satisfy `condition`, or the task is
    /// cancelled (so a test's time limit can end a wait that would never finish).
    func waitForSleepers(where condition: @escaping @Sendable ([Instant]) -> Bool) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let holdsNow = state.withLock { state in
                    if Task.isCancelled || condition(state.deadlines) {
                        return true
                    }
                    state.watchers.append(Watcher(id: id, condition: condition, continuation: continuation))
                    return false
                }
                if holdsNow {
                    continuation.resume()
                }
            }
        } onCancel: {
            let watcher = state.withLock { state in
                state.watchers.firstIndex { $0.id == id }.map { state.watchers.remove(at: $0) }
            }
            watcher?.continuation.resume()
        }
    }

    /// Returns once at least `count` sleepers are parked.
    func waitForSleepers(count: Int) async {
        await waitForSleepers { $0.count >= count }
    }

    /// Returns once a sleeper is parked until exactly `deadline`.
    func waitForSleeper(until deadline: Instant) async {
        await waitForSleepers { $0.contains(deadline) }
    }
}
