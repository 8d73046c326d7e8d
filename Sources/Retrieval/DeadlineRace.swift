/// One call of a source raced against a deadline: whichever finishes first decides.
///
/// The source runs in a task of its own so the race can end at the deadline even if the
/// source ignores cancellation; a task group would wait for it. The losers are cancelled
/// and never waited for: a late answer is dropped.
struct DeadlineRace<Value: Sendable, C: Clock>: Sendable where C.Duration == Duration {
    /// How a race ended.
    enum Result: Sendable {
        /// The source answered in time, at `at`.
        case value(Value, at: C.Instant)
        /// The source threw in time.
        case failed(any Error)
        /// The deadline came first; the source has been cancelled.
        case timedOut
        /// The calling task was cancelled; the source and the timer have been too.
        case cancelled
    }

    var deadline: C.Instant
    var clock: C
    var timers: Timers<C>

    /// Runs `source` until it finishes, the deadline passes or the calling task is cancelled.
    func run(_ source: @escaping @Sendable () async throws -> Value) async -> Result {
        if Task.isCancelled {
            return .cancelled
        }
        let winner = OneShot<Result>()
        let timer = timers.schedule(at: deadline) { winner.resolve(.timedOut) }
        let clock = self.clock
        let work = Task {
            do {
                let value = try await source()
                winner.resolve(.value(value, at: clock.now))
            } catch {
                winner.resolve(.failed(error))
            }
        }
        let result = await withTaskCancellationHandler {
            await winner.wait()
        } onCancel: {
            winner.resolve(.cancelled)
        }
        // Whoever won, the others are no longer wanted; both calls are no-ops if done.
        timers.cancel(timer)
        work.cancel()
        return result
    }
}
