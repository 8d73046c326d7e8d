/// What one caller asks of a retrieval beyond the policy: its own deadline and how stale
/// a value it accepts, as HTTP's `Prefer: wait` (RFC 7240) and `Cache-Control` request
/// directives (RFC 9111 §5.2.1) say them.
///
/// The default asks nothing: the policy's deadline, a retrieval tried first (the recipe's
/// behaviour, and `no-cache`'s), any fallback the policy allows.
public struct RetrievalRequest: Sendable, Equatable {
    /// This caller's deadline instead of the policy's `timeout` (`Prefer: wait=N`).
    public var deadline: Duration?
    /// A cached value younger than this is answered at once, without a retrieval
    /// (`max-age=N`).
    public var maxAge: Duration?
    /// The oldest fallback this caller accepts (`max-stale=N`), within the policy's
    /// `maxStale`; nil: whatever the policy allows (`max-stale` without a value, or none).
    public var maxStale: Duration?
    /// A hit must stay young enough for this much longer (`min-fresh=N`).
    public var minFresh: Duration?
    /// Always try a retrieval first, even when a value is young enough (`no-cache`).
    public var noCache: Bool
    /// Answer from the cache at once, never start a retrieval (`only-if-cached`).
    public var onlyIfCached: Bool

    public init(
        deadline: Duration? = nil,
        maxAge: Duration? = nil,
        maxStale: Duration? = nil,
        minFresh: Duration? = nil,
        noCache: Bool = false,
        onlyIfCached: Bool = false
    ) {
        self.deadline = deadline
        self.maxAge = maxAge
        self.maxStale = maxStale
        self.minFresh = minFresh
        self.noCache = noCache
        self.onlyIfCached = onlyIfCached
    }
}
