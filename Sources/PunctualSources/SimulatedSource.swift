import PunctualJSON
import Retrieval

/// The recipe's stand-in for a slow data retrieval: waits `delay` (plus a random share of
/// `jitter`), then returns a random number in [0, 1). It ignores the key.
///
/// The wait is cancellable and frees its timer at once when cancelled, so a retrieval
/// cut off at the deadline really stops, and a "hanging" one (a delay of hours) costs
/// nothing once abandoned.
public struct SimulatedSource<C: Clock>: RetrievalSource where C.Duration == Duration {
    public let delay: Duration
    public let jitter: Duration
    /// The timers to sleep on, asked at each retrieval: those of the thread it runs on.
    private let timers: @Sendable () -> Timers<C>

    public init(delay: Duration, jitter: Duration = .zero, timers: Timers<C>) {
        self.init(delay: delay, jitter: jitter) { timers }
    }

    /// A source that sleeps on whichever timers `timersOfTheCaller` gives at each
    /// retrieval: with several I/O threads, those of the thread the retrieval runs on, so
    /// that its wake-up is that thread's own.
    public init(delay: Duration, jitter: Duration = .zero, timersOfTheCaller: @escaping @Sendable () -> Timers<C>) {
        self.delay = delay
        self.jitter = jitter
        self.timers = timersOfTheCaller
    }

    public func retrieve(_ key: String) async throws -> JSONFragment {
        var wait = delay
        if jitter > .zero {
            wait += jitter * Double.random(in: 0..<1)
        }
        if wait > .zero {
            try await timers().sleep(for: wait)
        }
        return JSONFragment(number: Double.random(in: 0..<1))
    }
}
