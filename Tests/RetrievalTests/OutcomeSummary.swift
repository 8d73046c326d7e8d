@testable import Retrieval

/// An `Equatable` picture of a `RetrievalOutcome`, so tests can `#expect(a == b)`.
enum OutcomeSummary<Value: Equatable>: Equatable {
    case fresh(Value)
    case hit(Value, age: Duration)
    case cached(Value, age: Duration, reason: ReasonSummary)
    case unavailable(reason: ReasonSummary)
}

/// An `Equatable` picture of a `FallbackReason`; errors compare by description.
enum ReasonSummary: Equatable {
    case timeout
    case error(String)
    case backingOff(String)
    case overloaded
    case onlyIfCached
}

extension RetrievalOutcome where Value: Equatable {
    var summary: OutcomeSummary<Value> {
        switch self {
        case .fresh(let value):
            .fresh(value)
        case .hit(let value, let age):
            .hit(value, age: age)
        case .cached(let value, let age, let reason):
            .cached(value, age: age, reason: reason.summary)
        case .unavailable(let reason):
            .unavailable(reason: reason.summary)
        }
    }
}

extension FallbackReason {
    var summary: ReasonSummary {
        switch self {
        case .timeout: .timeout
        case .error(let error): .error(String(describing: error))
        case .backingOff(let error): .backingOff(String(describing: error))
        case .overloaded: .overloaded
        case .onlyIfCached: .onlyIfCached
        }
    }
}
