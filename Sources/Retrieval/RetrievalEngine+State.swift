extension RetrievalEngine {
    /// Everything behind one shard's lock: its part of the key space.
    ///
    /// The key space is two bounded maps, so that no sequence of requests can evict a
    /// last good value in favour of a key that has none:
    /// - `values`: keys with a last good value, at most `cacheEntries`; the value asked for
    ///   least recently goes first, never a pinned key's nor one whose key has a flight.
    /// - `valueless`: keys without a value that still matter (a flight in progress, or a
    ///   recent failure kept for `retryAfter`), also at most `cacheEntries`; the failure
    ///   record asked for least recently goes first, which loses only back-off information.
    ///   An entry is created here only when a retrieval starts, and dropped once empty.
    /// A key is in one map at most; a valueless entry moves to `values` when a value lands.
    struct State {
        var values: LRUCache<Key, Entry>
        var valueless: LRUCache<Key, Entry>
        let pinnedKeys: Set<Key>
        let statistics: RetrievalStatistics
        /// Waiter and flight ids: unique within the shard, which is all a key needs.
        var nextID: UInt64 = 0

        init(capacity: Int, pinnedKeys: Set<Key>, statistics: RetrievalStatistics) {
            values = LRUCache(capacity: capacity) { $0.mustStay }
            valueless = LRUCache(capacity: capacity) { $0.mustStay }
            self.pinnedKeys = pinnedKeys
            self.statistics = statistics
        }

        mutating func makeID() -> UInt64 {
            nextID += 1
            return nextID
        }

        /// A new entry for `key`, pinned if the engine pins it.
        func newEntry(for key: Key) -> Entry {
            Entry(isPinned: pinnedKeys.contains(key))
        }

        /// Runs `body` on `key`'s entry, in whichever map holds it, without marking it
        /// used; then moves a valueless entry that gained a value to `values`, and drops
        /// one left empty. Nil, without calling `body`, if the key has no entry.
        mutating func modify<R>(_ key: Key, _ body: (inout Entry) -> R) -> R? {
            if let result = values.update(key, body) { return result }
            guard let changed = valueless.update(key, { entry in (body(&entry), Placement(of: entry)) }) else {
                return nil
            }
            switch changed.1 {
            case .valueless: break
            case .empty: valueless.removeValue(forKey: key)
            case .value:
                if let entry = valueless.removeValue(forKey: key) { insertValue(entry, for: key) }
            }
            return changed.0
        }

        /// Stores `value` as `key`'s last good value, stored `at`; with `unlessNewer`, not
        /// over a value stored later.
        mutating func store(_ value: Value, at instant: C.Instant, for key: Key, unlessNewer: Bool) {
            let found: Void? = values.update(key) { entry in
                if unlessNewer, let stored = entry.stored, stored.at > instant { return }
                entry.stored = (value, instant)
            }
            guard found == nil else { return }
            var entry = valueless.removeValue(forKey: key) ?? newEntry(for: key)
            entry.stored = (value, instant)
            insertValue(entry, for: key)
        }

        /// Adds a valueless entry (a new key whose first retrieval starts).
        mutating func insertValueless(_ entry: Entry, for key: Key) {
            statistics.failureRecordsEvicted(valueless.insert(entry, for: key))
        }

        /// Adds an entry that has a value, as the most recently used.
        private mutating func insertValue(_ entry: Entry, for key: Key) {
            statistics.valuesEvicted(values.insert(entry, for: key))
        }

        /// Takes flight `flightID` off `key`, if it is still the key's flight, and lets
        /// `update` record what came of it. The caller accounts for the slot.
        mutating func detach(
            _ key: Key,
            flight flightID: UInt64,
            _ update: (inout Entry) -> Void
        ) -> Flight? {
            modify(key) { entry -> Flight? in
                guard let flight = entry.flight, flight.id == flightID else { return nil }
                entry.flight = nil
                update(&entry)
                return flight
            } ?? nil
        }
    }

    /// Where an entry belongs after a change.
    private enum Placement {
        case value, valueless, empty

        init(of entry: Entry) {
            self = entry.stored != nil ? .value : entry.isEmpty ? .empty : .valueless
        }
    }
}
