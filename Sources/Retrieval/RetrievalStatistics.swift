import Synchronization

/// Live counts from an engine, for status pages, metrics and tests.
///
/// Every retrieval started ends exactly once as succeeded, failed or cancelled. A
/// cancelled one, and one failed over its budget, may still run (a source that ignores
/// cancellation) and holds its slot until it returns: `orphansEnded` counts those that did.
public final class RetrievalStatistics: Sendable {
    private let started = Atomic<Int>(0)
    private let succeeded = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)
    private let cancelled = Atomic<Int>(0)
    private let orphans = Atomic<Int>(0)
    private let evictedValues = Atomic<Int>(0)
    private let evictedFailures = Atomic<Int>(0)
    private let refreshesAhead = Atomic<Int>(0)

    public init() {}

    /// Retrievals started since start, over all keys.
    public var retrievalsStarted: Int { started.load(ordering: .relaxed) }
    /// Retrievals whose value was cached.
    public var retrievalsSucceeded: Int { succeeded.load(ordering: .relaxed) }
    /// Retrievals that failed (their budget exceeded included).
    public var retrievalsFailed: Int { failed.load(ordering: .relaxed) }
    /// Retrievals cancelled because nobody waited for them any more.
    public var retrievalsCancelled: Int { cancelled.load(ordering: .relaxed) }
    /// Retrievals given up on (cancelled, or over their budget) whose source task has since
    /// returned, freeing its slot; whatever they returned was dropped.
    public var orphansEnded: Int { orphans.load(ordering: .relaxed) }
    /// Last good values evicted to make room for others, least recently asked first.
    public var valuesEvicted: Int { evictedValues.load(ordering: .relaxed) }
    /// Failure records of keys without a value forgotten to make room (their keys may be
    /// retried before `retryAfter`); a flood of new keys shows here.
    public var failureRecordsEvicted: Int { evictedFailures.load(ordering: .relaxed) }
    /// Retrievals started in the background by a hit past `refreshAhead` of `freshFor`
    /// (counted in `retrievalsStarted` too).
    public var refreshesAheadStarted: Int { refreshesAhead.load(ordering: .relaxed) }

    func retrievalStarted() { started.add(1, ordering: .relaxed) }
    func refreshAheadStarted() { refreshesAhead.add(1, ordering: .relaxed) }
    func retrievalSucceeded() { succeeded.add(1, ordering: .relaxed) }
    func retrievalFailed() { failed.add(1, ordering: .relaxed) }
    func retrievalCancelled() { cancelled.add(1, ordering: .relaxed) }
    func orphanEnded() { orphans.add(1, ordering: .relaxed) }

    func valuesEvicted(_ count: Int) {
        if count > 0 { evictedValues.add(count, ordering: .relaxed) }
    }

    func failureRecordsEvicted(_ count: Int) {
        if count > 0 { evictedFailures.add(count, ordering: .relaxed) }
    }
}
