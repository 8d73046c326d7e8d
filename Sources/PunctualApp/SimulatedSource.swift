import Retrieval

/// The recipe's stand-in for a slow data retrieval: waits `delay`, then returns a random
/// number in [0, 1).
///
/// The wait is cancellable and frees its timer at once when cancelled, so a retrieval
/// cut off at the deadline really stops, and a "hanging" one (a delay of hours) costs
/// nothing once abandoned.
public struct SimulatedSource<C: Clock>: Sendable where C.Duration == Duration {
    public let delay: Duration
    public let timers: Timers<C>

    public init(delay: Duration, timers: Timers<C>) {
        self.delay = delay
        self.timers = timers
    }

    public func retrieve() async throws -> JSONFragment {
        if delay > .zero {
            try await timers.sleep(for: delay)
        }
        return JSONFragment(number: Double.random(in: 0..<1))
    }
}
