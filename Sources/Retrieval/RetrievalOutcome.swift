/// What one request for a key produced.
///
/// Every request that was not cancelled ends in exactly one of these by its deadline:
///
/// ```swift
/// switch try await engine.retrieve("quotes") {
/// case .fresh(let value): respond(value)
/// case .hit(let value, let age): respond(value, age: age)
/// case .cached(let value, let age, let reason): respond(value, staleBy: age, because: reason)
/// case .unavailable(let reason): respondUnavailable(because: reason)
/// }
/// ```
public enum RetrievalOutcome<Value: Sendable>: Sendable {
    /// A retrieval finished in time; the value is now the cached one.
    case fresh(Value)
    /// A cached value young enough for this caller (`freshFor`, `max-age`), answered at
    /// once without a retrieval.
    case hit(Value, age: Duration)
    /// The last good value, `age` after it was stored.
    case cached(Value, age: Duration, reason: FallbackReason)
    /// Nothing was cached, or only a value older than `maxStale`.
    case unavailable(reason: FallbackReason)
}
