/// An engine's key space and retrievals at one moment, read under one lock, for a status
/// page.
public struct RetrievalFigures: Sendable, Hashable {
    /// Keys with a last good value: at most `cacheEntries`, plus pinned keys and keys
    /// with a retrieval in flight beyond it.
    public var cachedValues: Int
    /// Keys without a value the engine remembers: a retrieval in flight, or a recent
    /// failure kept for `retryAfter`. At most `cacheEntries`, plus those in flight.
    public var valuelessEntries: Int
    /// Source tasks alive, attached to their key or orphaned: the slots taken under
    /// `maxConcurrentRetrievals`.
    public var runningRetrievals: Int
    /// Of those, retrievals given up on (cancelled, or over their budget) whose source has
    /// not returned yet: a source that ignores cancellation shows here.
    public var orphanedRetrievals: Int
    /// The age of the oldest cached value, servable or not; nil when nothing is cached.
    public var oldestValueAge: Duration?

    public init(
        cachedValues: Int,
        valuelessEntries: Int,
        runningRetrievals: Int,
        orphanedRetrievals: Int,
        oldestValueAge: Duration?
    ) {
        self.cachedValues = cachedValues
        self.valuelessEntries = valuelessEntries
        self.runningRetrievals = runningRetrievals
        self.orphanedRetrievals = orphanedRetrievals
        self.oldestValueAge = oldestValueAge
    }
}
