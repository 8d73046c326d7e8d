import Synchronization

/// Answers requests for keys by a deadline: a fresh value when a retrieval finishes in
/// time, else the last good value.
///
/// What production caches learned the hard way is built in: concurrent callers of a key
/// share one retrieval (each keeps its own deadline); a retrieval still running at the
/// deadline is cancelled once nobody waits for it, or, with `TimeoutPolicy.refresh`, left
/// to finish and refresh the cache; failures are served from the cache and not retried
/// for `retryAfter`; values older than `maxStale` are not served. A caller is answered at
/// its deadline even if the source ignores cancellation: nobody ever waits for the loser
/// of a race.
///
/// Nothing a client asks for can cost the last good values: keys with a value are a
/// bounded LRU of their own, keys without one (a retrieval in flight, a recent failure)
/// are bounded apart, a key gets an entry only when a retrieval starts for it, and
/// `pinnedKeys` are never evicted. Limits are honest: a retrieval given up on (cancelled,
/// or over its budget) keeps its `maxConcurrentRetrievals` slot, as an *orphan*, until its
/// source really returns. Every value that lands is handed to the `store`, with the
/// wall-clock time it was retrieved, and `restore(_:)` puts stored values back with true
/// ages after a restart.
///
/// Callers on several threads do not queue on one lock: a cache of thousands of entries is
/// split by key among up to 16 locks (`Shard`), least-recently-used order kept within each,
/// and the retrieval slots are one atomic count across them.
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
    /// Keys whose value is never evicted (the app's default key).
    public let pinnedKeys: Set<Key>
    let clock: C
    let timers: Timers<C>
    /// An existential: it is called once per retrieval, not per request, so specialising
    /// the engine for each source type would buy nothing.
    let source: any RetrievalSource<Key, Value>
    let store: (any RetrievalStore<Key, Value>)?
    let wallClock: @Sendable () -> WallTime
    let taskExecutor: (any TaskExecutor)?
    /// The calling thread's own timers and executor, if it has them (see `CallerPlacement`).
    let callerPlacement: @Sendable () -> CallerPlacement<C>?
    /// The key space, split by key (see `Shard`).
    let shards: [Shard]
    /// Source tasks alive, attached to their key or orphaned: the slots in use under
    /// `maxConcurrentRetrievals`. A slot is freed only when its source task returns.
    let slotsInUse = Atomic<Int>(0)
    /// Source tasks detached from their key (cancelled, or over budget) that have not
    /// returned yet.
    let orphans = Atomic<Int>(0)

    /// - Parameters:
    ///   - policy: Deadlines, limits and what to do at a timeout.
    ///   - clock: The clock deadlines and ages are measured on.
    ///   - timers: The deadline sweeper; share one per process.
    ///   - taskExecutor: Where retrievals run: pass the executor the callers run on (a
    ///     server's I/O thread) to spare a thread hop per retrieval. Nil: the global pool.
    ///   - pinnedKeys: Keys whose value is never evicted, whatever clients ask for.
    ///   - store: Where every value retrieved is saved, so that it outlives the process.
    ///   - wallClock: The time `store` is given as each value's retrieval time, and that
    ///     `restore(_:)` measures ages against.
    ///   - callerPlacement: The calling thread's timers and executor, when a server has
    ///     several I/O threads; they take the place of `timers` and `taskExecutor` for that
    ///     caller's deadline and the retrieval it starts. Nil (the default): `timers` and
    ///     `taskExecutor` for everyone.
    ///   - source: The slow retrieval; it should stop when its task is cancelled.
    public init(
        policy: RetrievalPolicy,
        clock: C,
        timers: Timers<C>,
        taskExecutor: (any TaskExecutor)? = nil,
        callerPlacement: @escaping @Sendable () -> CallerPlacement<C>? = { nil },
        pinnedKeys: Set<Key> = [],
        store: (any RetrievalStore<Key, Value>)? = nil,
        wallClock: @escaping @Sendable () -> WallTime = WallTime.now,
        source: some RetrievalSource<Key, Value>
    ) {
        self.policy = policy
        self.clock = clock
        self.timers = timers
        self.taskExecutor = taskExecutor
        self.callerPlacement = callerPlacement
        self.pinnedKeys = pinnedKeys
        self.source = source
        self.store = store
        self.wallClock = wallClock
        shards = Self.makeShards(capacity: max(1, policy.cacheEntries), pinnedKeys: pinnedKeys, statistics: statistics)
    }

    /// An engine whose source is a closure; see the other initialiser.
    public convenience init(
        policy: RetrievalPolicy,
        clock: C,
        timers: Timers<C>,
        taskExecutor: (any TaskExecutor)? = nil,
        pinnedKeys: Set<Key> = [],
        store: (any RetrievalStore<Key, Value>)? = nil,
        wallClock: @escaping @Sendable () -> WallTime = WallTime.now,
        source: @escaping @Sendable (Key) async throws -> Value
    ) {
        self.init(
            policy: policy,
            clock: clock,
            timers: timers,
            taskExecutor: taskExecutor,
            pinnedKeys: pinnedKeys,
            store: store,
            wallClock: wallClock,
            source: ClosureSource(source)
        )
    }

    /// Answers for `key` by the deadline: fresh, cached, or unavailable, with the reason.
    ///
    /// Throws only when the calling task is cancelled (the client gave up), which is not a
    /// timeout: the caller stops waiting at once; the retrieval goes on if others wait for
    /// it or the policy is `refresh`.
    ///
    /// `request` is what this caller asks beyond the policy: its own deadline, a hit when
    /// the value is young enough, the oldest fallback it accepts, the cache only.
    public func retrieve(
        _ key: Key,
        _ request: RetrievalRequest = RetrievalRequest()
    ) async throws(CancellationError) -> RetrievalOutcome<Value> {
        if Task.isCancelled { throw CancellationError() }
        let now = clock.now
        let waiter = OneShot<WaitResult>()
        let ticket: (waiter: UInt64, flight: UInt64)
        switch shard(for: key).state.withLock({ admit(key, request, waiter: waiter, now: now, state: &$0) }) {
        case let .answered(outcome): return outcome
        case let .waiting(waiterID, flightID): ticket = (waiterID, flightID)
        }

        // The caller's own thread keeps its deadline, when it has timers of its own.
        let timers = callerPlacement()?.timers ?? self.timers
        let deadline = timers.schedule(at: now.advanced(by: request.deadline ?? policy.timeout)) {
            waiter.resolve(.timedOut)
        }
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
            return fallback(for: key, because: .error(error), request)
        case .timedOut:
            leave(key, waiter: ticket.waiter, flight: ticket.flight)
            return fallback(for: key, because: .timeout, request)
        case .cancelled:
            leave(key, waiter: ticket.waiter, flight: ticket.flight)
            throw CancellationError()
        }
    }

    /// The cached value for `key` and its age, without retrieving anything.
    public func cached(_ key: Key) -> (value: Value, age: Duration)? {
        let now = clock.now
        return shard(for: key).state.withLock { state in
            state.values.peek(key)?.stored.map { ($0.value, $0.at.duration(to: now)) }
        }
    }

    // MARK: - Fallback

    private func fallback(
        for key: Key,
        because reason: FallbackReason,
        _ request: RetrievalRequest
    ) -> RetrievalOutcome<Value> {
        let now = clock.now
        return shard(for: key).state.withLock { state in
            fallback(state.values.peek(key), because: reason, now: now, request)
        }
    }

    /// The cached answer from `entry`, unless there is none or it is older than the
    /// policy's `maxStale` or the caller's.
    func fallback(
        _ entry: Entry?,
        because reason: FallbackReason,
        now: C.Instant,
        _ request: RetrievalRequest
    ) -> RetrievalOutcome<Value> {
        guard let stored = entry?.stored else { return .unavailable(reason: reason) }
        let age = stored.at.duration(to: now)
        if let maxStale = policy.maxStale, age > maxStale {
            return .unavailable(reason: reason)
        }
        if let maxStale = request.maxStale, age > maxStale {
            return .unavailable(reason: reason)
        }
        return .cached(stored.value, age: age, reason: reason)
    }

    /// How old a value this caller takes as a hit, without a retrieval; nil: none.
    func hitLimit(_ request: RetrievalRequest) -> (limit: Duration, fromPolicy: Bool)? {
        guard !request.noCache else { return nil }
        let (limit, fromPolicy) =
            request.maxAge.map { ($0, false) } ?? (policy.freshFor, true)
        let usable = limit - (request.minFresh ?? .zero)
        return usable > .zero ? (usable, fromPolicy) : nil
    }
}
