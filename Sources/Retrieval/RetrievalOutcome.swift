/// What one retrieval under a deadline produced.
///
/// Every retrieval that was not cancelled ends in exactly one of these, so the caller can
/// always answer by its deadline:
///
/// ```swift
/// switch try await retriever.retrieve() {
/// case .fresh(let value): respond(value)
/// case .cached(let value, let age, let reason): respond(value, staleBy: age, because: reason)
/// case .unavailable(let reason): respondUnavailable(because: reason)
/// }
/// ```
public enum RetrievalOutcome<Value: Sendable>: Sendable {
    /// The source answered in time; the value is now the cached one.
    case fresh(Value)
    /// The last good value; `age` is the time since it was stored.
    case cached(Value, age: Duration, reason: FallbackReason)
    /// Nothing was cached and the source did not deliver.
    case unavailable(reason: FallbackReason)
}
