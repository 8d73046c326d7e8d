import Synchronization

/// Live counts from an engine, for status pages, metrics and tests.
public final class RetrievalStatistics: Sendable {
    private let started = Atomic<Int>(0)
    private let succeeded = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)
    private let cancelled = Atomic<Int>(0)

    public init() {}

    /// Retrievals started since start, over all keys.
    public var retrievalsStarted: Int { started.load(ordering: .relaxed) }
    /// Retrievals whose value was cached.
    public var retrievalsSucceeded: Int { succeeded.load(ordering: .relaxed) }
    /// Retrievals that failed (their budget exceeded included).
    public var retrievalsFailed: Int { failed.load(ordering: .relaxed) }
    /// Retrievals cancelled because nobody waited for them any more.
    public var retrievalsCancelled: Int { cancelled.load(ordering: .relaxed) }

    func retrievalStarted() { started.add(1, ordering: .relaxed) }
    func retrievalSucceeded() { succeeded.add(1, ordering: .relaxed) }
    func retrievalFailed() { failed.add(1, ordering: .relaxed) }
    func retrievalCancelled() { cancelled.add(1, ordering: .relaxed) }
}
