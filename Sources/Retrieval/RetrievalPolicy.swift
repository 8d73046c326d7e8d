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
    /// answered from the cache without starting one.
    public var maxConcurrentRetrievals: Int
    /// After a failed retrieval, how long a key is answered from the cache before the
    /// source is asked again (a dead source is not hammered).
    public var retryAfter: Duration
    /// The oldest cached value that may be served; nil for no limit.
    public var maxStale: Duration?
    /// How many keys the cache holds; the least recently used are evicted first.
    public var cacheEntries: Int

    public init(
        timeout: Duration = .seconds(5),
        onTimeout: TimeoutPolicy = .cancel,
        maxRetrieval: Duration = .seconds(60),
        maxConcurrentRetrievals: Int = 64,
        retryAfter: Duration = .seconds(1),
        maxStale: Duration? = nil,
        cacheEntries: Int = 10_000
    ) {
        self.timeout = timeout
        self.onTimeout = onTimeout
        self.maxRetrieval = maxRetrieval
        self.maxConcurrentRetrievals = maxConcurrentRetrievals
        self.retryAfter = retryAfter
        self.maxStale = maxStale
        self.cacheEntries = cacheEntries
    }
}
