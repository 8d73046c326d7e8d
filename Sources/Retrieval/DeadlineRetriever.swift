/// Runs a slow source under a deadline and falls back to the last good value.
///
/// Each `retrieve()` starts the source and answers by `timeout` at the latest: with the
/// source's value if it came in time (and caches it), else with the cached value and why.
/// A source still running at the deadline is cancelled and not waited for, so even a
/// source that ignores cancellation cannot make a caller late.
///
/// ```swift
/// let retriever = DeadlineRetriever(
///     timeout: .seconds(2), seed: nil, clock: ContinuousClock(),
///     timers: Timers(clock: ContinuousClock()), source: { try await fetchQuote() })
/// let outcome = try await retriever.retrieve()
/// ```
public final class DeadlineRetriever<Value: Sendable, C: Clock>: Sendable where C.Duration == Duration {
    private let timeout: Duration
    private let clock: C
    private let timers: Timers<C>
    private let source: @Sendable () async throws -> Value
    private let cache: ValueCache<Value, C.Instant>

    /// Creates a retriever; a non-nil `seed` counts as stored now.
    ///
    /// - Parameters:
    ///   - timeout: How long each retrieval may wait for the source.
    ///   - seed: A value to fall back on before the source has ever answered.
    ///   - clock: The clock deadlines and ages are measured on.
    ///   - timers: The deadline sweeper; share one between retrievers.
    ///   - source: The slow retrieval; it should stop when its task is cancelled.
    public init(
        timeout: Duration,
        seed: Value?,
        clock: C,
        timers: Timers<C>,
        source: @escaping @Sendable () async throws -> Value
    ) {
        self.timeout = timeout
        self.clock = clock
        self.timers = timers
        self.source = source
        self.cache = ValueCache(seed: seed, now: clock.now)
    }

    /// Runs the source once under the deadline and says what came of it.
    ///
    /// Throws only when the calling task is cancelled (the client gave up), which is not a
    /// timeout: the source and the deadline are then cancelled and nothing is answered.
    public func retrieve() async throws(CancellationError) -> RetrievalOutcome<Value> {
        let race = DeadlineRace<Value, C>(
            deadline: clock.now.advanced(by: timeout),
            clock: clock,
            timers: timers
        )
        switch await race.run(source) {
        case .value(let value, let storedAt):
            cache.store(value, at: storedAt)
            return .fresh(value)
        case .failed(let error):
            return fallback(because: .error(error))
        case .timedOut:
            return fallback(because: .timeout)
        case .cancelled:
            throw CancellationError()
        }
    }

    /// The cached value and its age now, for diagnostics and tests.
    public var cached: (value: Value, age: Duration)? {
        cache.current.map { ($0.value, $0.age(at: clock.now)) }
    }

    private func fallback(because reason: FallbackReason) -> RetrievalOutcome<Value> {
        guard let entry = cache.current else {
            return .unavailable(reason: reason)
        }
        return .cached(entry.value, age: entry.age(at: clock.now), reason: reason)
    }
}
