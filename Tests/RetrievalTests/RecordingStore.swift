@testable import Retrieval

/// A store that remembers every value the engine saves, in order.
final class RecordingStore: RetrievalStore {
    let saved = Recorder<StoredValue<String, String>>()

    func save(_ value: StoredValue<String, String>) {
        saved.append(value)
    }

    /// What was saved, as (key, value, seconds after `ManualClock.epoch`).
    var savedSummary: [Saved] {
        saved.elements.map { Saved(key: $0.key, value: $0.value, at: ManualClock.epoch.duration(to: $0.retrievedAt)) }
    }

    struct Saved: Equatable, CustomStringConvertible {
        var key: String
        var value: String
        var at: Duration

        var description: String { "\(key)=\(value) at \(at)" }
    }
}
