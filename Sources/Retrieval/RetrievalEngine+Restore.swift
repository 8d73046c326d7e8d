import Synchronization

extension RetrievalEngine {
    /// Stores `value` for `key` as if retrieved now: the seed callers fall back on
    /// before the first retrieval finishes. It is not saved to the store.
    public func seed(_ value: Value, for key: Key) {
        let now = clock.now
        shard(for: key).state.withLock { state in
            state.store(value, at: now, for: key, unlessNewer: false)
        }
    }

    /// Puts last good values back into the cache, as a store kept them, with ages that
    /// are true in wall-clock terms: a value retrieved 90 s ago by `wallClock` is cached
    /// with an age of 90 s (a time in the future counts as now). They are not saved again.
    ///
    /// Call it at start-up, before `seed(_:for:)`: a restored value never replaces one
    /// cached more recently (seeded, or retrieved meanwhile). Of several values for one
    /// key the most recent counts; values already older than `maxStale` are skipped, as
    /// they could never be served; beyond `cacheEntries`, the most recent are kept, and
    /// those of pinned keys always.
    public func restore(_ values: [StoredValue<Key, Value>]) {
        let now = clock.now
        let kept = restorable(values, wallNow: wallClock())
        // The oldest first, so that the cache's recency order is the order of retrieval.
        for value in kept.reversed() {
            shard(for: value.key).state.withLock { state in
                state.store(value.value, at: now.advanced(by: .zero - value.age), for: value.key, unlessNewer: true)
            }
        }
    }

    /// The values `restore(_:)` keeps, with their ages at `wallNow`, the most recent first.
    private func restorable(
        _ values: [StoredValue<Key, Value>],
        wallNow: WallTime
    ) -> [(key: Key, value: Value, age: Duration)] {
        var aged: [(key: Key, value: Value, age: Duration)] = values.compactMap { stored in
            let age = max(.zero, stored.retrievedAt.duration(to: wallNow))
            if let maxStale = policy.maxStale, age > maxStale { return nil }
            return (stored.key, stored.value, age)
        }
        aged.sort { $0.age < $1.age }
        let pinnedCount = Set(aged.lazy.map(\.key).filter(pinnedKeys.contains)).count
        var room = max(1, policy.cacheEntries) - pinnedCount
        var seen = Set<Key>(minimumCapacity: aged.count)
        return aged.filter { value in
            guard seen.insert(value.key).inserted else { return false }
            if pinnedKeys.contains(value.key) { return true }
            guard room > 0 else { return false }
            room -= 1
            return true
        }
    }
}
