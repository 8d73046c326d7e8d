/// Why an answer did not come fresh from the source.
///
/// Callers log it and show it (`Cache-Status` details): a stale answer because the source
/// was slow reads differently from one because it failed, or because it was not even asked.
public enum FallbackReason: Sendable {
    /// The retrieval was still running at the caller's deadline.
    case timeout
    /// The retrieval failed.
    case error(any Error)
    /// The key's last retrieval failed less than `retryAfter` ago, so none was started.
    case backingOff(after: any Error)
    /// The limit of concurrent retrievals was reached, so none was started.
    case overloaded
    /// The caller asked for the cache only (`only-if-cached`).
    case onlyIfCached

    /// A short name for logs and headers: `timeout`, `error`, `retry-after`, `overloaded`,
    /// `only-if-cached`.
    public var name: String {
        switch self {
        case .timeout: "timeout"
        case .error: "error"
        case .backingOff: "retry-after"
        case .overloaded: "overloaded"
        case .onlyIfCached: "only-if-cached"
        }
    }
}

/// The error a retrieval fails with when it outlives `RetrievalPolicy.maxRetrieval`.
public struct RetrievalBudgetExceeded: Error, CustomStringConvertible {
    public let budget: Duration
    public var description: String { "retrieval cancelled after its budget of \(budget)" }
}
