/// How one request to `/retrieve-data` (or any route) ended, as the status page and the
/// metrics count it.
///
/// A stale answer is its own outcome, never a hit: it says the source did not deliver in
/// time, which is what an operator watches for.
enum RequestOutcome: Sendable, Hashable {
    /// A fresh value from the source.
    case fresh
    /// A cached value young enough for the caller (`--fresh-for`, `max-age`), answered
    /// without a retrieval: a hit, unlike a stale answer.
    case hit
    /// The last good value, because of `reason` (`timeout`, `error`, `retry-after`, `overloaded`).
    case stale(reason: String)
    /// An error answer with this status (400, 404, 405, 413, 502, 503, 504, …).
    case error(status: Int)

    /// The reasons a stale answer can have, in the order the status page lists them.
    static let staleReasons = ["timeout", "error", "retry-after", "overloaded", "only-if-cached"]
}
