/// What happens to a retrieval that outlives the caller's deadline.
public enum TimeoutPolicy: String, Sendable, CaseIterable {
    /// Cancel it once no caller waits for it any more (the recipe's behaviour). A source
    /// that is always slower than the deadline then never refreshes the cache.
    case cancel
    /// Let it finish (within `maxRetrieval`) and cache its value for later callers.
    case refresh
}

/// The rules the engine retrieves by.
public struct RetrievalPolicy: Sendable {
    /// How long a caller waits for a fresh value before it is answered from the cache.
    public var timeout: Duration
    /// What happens to a retrieval still running when its callers have given up.
    public var onTimeout: TimeoutPolicy
    /// The hard budget of one retrieval: it is cancelled after this, whatever the policy.
    public var maxRetrieval: Duration
    /// The most retrievals running at once, over all keys; beyond it, callers are
    /// answered from the cache without starting one. A retrieval holds its slot until its
    /// source has really returned, even after it was given up on (cancelled, or over
    /// `maxRetrieval`), so a source that ignores cancellation cannot pile up.
    public var maxConcurrentRetrievals: Int
    /// After a failed retrieval, how long a key is answered from the cache before the
    /// source is asked again (a dead source is not hammered).
    public var retryAfter: Duration
    /// The oldest cached value that may be served; nil for no limit.
    public var maxStale: Duration?
    /// How many last good values the cache holds (pinned keys' included); beyond it, the
    /// values asked for least recently are evicted, never a pinned key's. Keys without a
    /// value (a recent failure, kept for `retryAfter`) are bounded apart, by as many again,
    /// so that no flood of new keys can evict a value.
    public var cacheEntries: Int
    /// How long a value is fresh: younger, it is answered at once as a hit, without a
    /// retrieval. Zero (the default, the recipe's behaviour): every caller tries one.
    public var freshFor: Duration
    /// The share of `freshFor` after which a hit also starts one background refresh of its
    /// key, so that a key asked for steadily never makes a caller wait.
    public var refreshAhead: Double

    public init(
        timeout: Duration = .seconds(5),
        onTimeout: TimeoutPolicy = .cancel,
        maxRetrieval: Duration = .seconds(60),
        maxConcurrentRetrievals: Int = 64,
        retryAfter: Duration = .seconds(1),
        maxStale: Duration? = nil,
        cacheEntries: Int = 10_000,
        freshFor: Duration = .zero,
        refreshAhead: Double = 0.8
    ) {
        self.timeout = timeout
        self.onTimeout = onTimeout
        self.maxRetrieval = maxRetrieval
        self.maxConcurrentRetrievals = maxConcurrentRetrievals
        self.retryAfter = retryAfter
        self.maxStale = maxStale
        self.cacheEntries = cacheEntries
        self.freshFor = freshFor
        self.refreshAhead = refreshAhead
    }
}
