import Synchronization

/// Answers requests for keys by a deadline: a fresh value when a retrieval finishes in
/// time, else the last good value.
///
/// What production caches learned the hard way is built in: concurrent callers of a key
/// share one retrieval (each keeps its own deadline); a retrieval still running at the
/// deadline is cancelled once nobody waits for it, or, with `TimeoutPolicy.refresh`, left
/// to finish and refresh the cache; failures are served from the cache and not retried
/// for `retryAfter`; values older than `maxStale` are not served; and the cache is a
/// bounded LRU. A caller is answered at its deadline even if the source ignores
/// cancellation: nobody ever waits for the loser of a race.
///
/// ```swift
/// let engine = RetrievalEngine(policy: .init(timeout: .seconds(2)), clock: clock, timers: timers) { key in
///     try await fetchQuote(for: key)
/// }
/// let outcome = try await engine.retrieve("ACME")
/// ```
public final class RetrievalEngine<Key: Hashable & Sendable, Value: Sendable, C: Clock>: Sendable
where C.Duration == Duration {
    public let policy: RetrievalPolicy
    public let statistics = RetrievalStatistics()
    let clock: C
    let timers: Timers<C>
    let source: @Sendable (Key) async throws -> Value
    let taskExecutor: (any TaskExecutor)?
    let state: Mutex<State>

    /// - Parameters:
    ///   - policy: Deadlines, limits and what to do at a timeout.
    ///   - clock: The clock deadlines and ages are measured on.
    ///   - timers: The deadline sweeper; share one per process.
    ///   - taskExecutor: Where retrievals run: pass the executor the callers run on (a
    ///     server's I/O thread) to spare a thread hop per retrieval. Nil: the global pool.
    ///   - source: The slow retrieval; it should stop when its task is cancelled.
    public init(
        policy: RetrievalPolicy,
        clock: C,
        timers: Timers<C>,
        taskExecutor: (any TaskExecutor)? = nil,
        source: @escaping @Sendable (Key) async throws -> Value
    ) {
        self.policy = policy
        self.clock = clock
        self.timers = timers
        self.taskExecutor = taskExecutor
        self.source = source
        state = Mutex(State(entries: LRUCache(capacity: max(1, policy.cacheEntries)) { $0.flight != nil }))
    }

    /// Stores `value` for `key` as if retrieved now: the seed callers fall back on
    /// before the first retrieval finishes.
    public func seed(_ value: Value, for key: Key) {
        let now = clock.now
        state.withLock { state in
            state.entries.withEntry(key, create: { Entry() }) { $0.stored = (value, now) }
        }
    }

    /// Answers for `key` by the deadline: fresh, cached, or unavailable, with the reason.
    ///
    /// Throws only when the calling task is cancelled (the client gave up), which is not a
    /// timeout: the caller stops waiting at once; the retrieval goes on if others wait for
    /// it or the policy is `refresh`.
    public func retrieve(_ key: Key) async throws(CancellationError) -> RetrievalOutcome<Value> {
        if Task.isCancelled { throw CancellationError() }
        let now = clock.now
        let waiter = OneShot<WaitResult>()
        let ticket: (waiter: UInt64, flight: UInt64)
        switch state.withLock({ admit(key, waiter: waiter, now: now, state: &$0) }) {
        case let .answered(outcome): return outcome
        case let .waiting(waiterID, flightID): ticket = (waiterID, flightID)
        }

        let deadline = timers.schedule(at: now.advanced(by: policy.timeout)) { waiter.resolve(.timedOut) }
        let result = await withTaskCancellationHandler {
            await waiter.wait()
        } onCancel: {
            waiter.resolve(.cancelled)
        }
        timers.cancel(deadline)

        switch result {
        case let .value(value):
            return .fresh(value)
        case let .failed(error):
            return fallback(for: key, because: .error(error))
        case .timedOut:
            leave(key, waiter: ticket.waiter, flight: ticket.flight)
            return fallback(for: key, because: .timeout)
        case .cancelled:
            leave(key, waiter: ticket.waiter, flight: ticket.flight)
            throw CancellationError()
        }
    }

    /// Retrievals in flight now, over all keys.
    public var runningRetrievals: Int {
        state.withLock { $0.running }
    }

    /// The cached value for `key` and its age, without retrieving anything.
    public func cached(_ key: Key) -> (value: Value, age: Duration)? {
        let now = clock.now
        return state.withLock { state in
            state.entries.peek(key)?.stored.map { ($0.value, $0.at.duration(to: now)) }
        }
    }

    // MARK: - Fallback

    private func fallback(for key: Key, because reason: FallbackReason) -> RetrievalOutcome<Value> {
        let now = clock.now
        return state.withLock { state in
            fallback(state.entries.peek(key), because: reason, now: now)
        }
    }

    /// The cached answer from `entry`, unless there is none or it is older than `maxStale`.
    func fallback(_ entry: Entry?, because reason: FallbackReason, now: C.Instant) -> RetrievalOutcome<Value> {
        guard let stored = entry?.stored else { return .unavailable(reason: reason) }
        let age = stored.at.duration(to: now)
        if let maxStale = policy.maxStale, age > maxStale {
            return .unavailable(reason: reason)
        }
        return .cached(stored.value, age: age, reason: reason)
    }
}
