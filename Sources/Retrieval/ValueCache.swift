import Synchronization

/// The last good value of a source, and when it was stored.
///
/// Kept apart from the race so that a later version can hold one of these per key, or
/// let a late answer refresh it, without touching how the deadline is raced.
final class ValueCache<Value: Sendable, Instant: InstantProtocol>: Sendable {
    /// A stored value with the instant it was stored at.
    struct Entry: Sendable {
        var value: Value
        var storedAt: Instant

        /// How long ago the value was stored, seen from `now`.
        func age(at now: Instant) -> Instant.Duration {
            storedAt.duration(to: now)
        }
    }

    private let entry: Mutex<Entry?>

    /// Starts with `seed`, if any, as if stored at `now`.
    init(seed: Value?, now: Instant) {
        entry = Mutex(seed.map { Entry(value: $0, storedAt: now) })
    }

    /// The newest stored value, or nil if there has never been one.
    var current: Entry? {
        entry.withLock { $0 }
    }

    /// Stores `value` unless a value from a later instant is already there.
    ///
    /// Concurrent retrievals can finish out of order; the newest answer wins, not the
    /// last caller to get here.
    func store(_ value: Value, at instant: Instant) {
        entry.withLock { entry in
            if let existing = entry, existing.storedAt > instant {
                return
            }
            entry = Entry(value: value, storedAt: instant)
        }
    }
}
