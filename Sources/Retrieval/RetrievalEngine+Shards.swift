import Synchronization

// The engine's state, split by key so that callers on several threads do not queue on
// one lock, and the retrieval slots, counted across the split without a lock.

extension RetrievalEngine {
    /// One part of the key space (the keys whose hash falls to it) behind a lock of its
    /// own. Requests for different keys from different I/O threads mostly take different
    /// locks; requests for one key always take the same one, so that they share its
    /// retrieval.
    final class Shard: Sendable {
        let state: Mutex<State>

        init(capacity: Int, pinnedKeys: Set<Key>, statistics: RetrievalStatistics) {
            state = Mutex(State(capacity: capacity, pinnedKeys: pinnedKeys, statistics: statistics))
        }
    }

    /// How many parts a cache of `capacity` entries is split into: one per 512 entries,
    /// at most 16, a power of two. Least-recently-used order is kept within each part, so
    /// a small cache stays one part, with one exact order.
    static func shardCount(forCapacity capacity: Int) -> Int {
        var count = 1
        while count < 16, count * 2 * 512 <= capacity { count *= 2 }
        return count
    }

    /// `capacity` entries shared out among `count` parts, the remainder to the first ones.
    static func makeShards(capacity: Int, pinnedKeys: Set<Key>, statistics: RetrievalStatistics) -> [Shard] {
        let count = shardCount(forCapacity: capacity)
        return (0..<count).map { index in
            Shard(
                capacity: capacity / count + (index < capacity % count ? 1 : 0),
                pinnedKeys: pinnedKeys,
                statistics: statistics
            )
        }
    }

    /// The part that holds `key`.
    func shard(for key: Key) -> Shard {
        guard shards.count > 1 else { return shards[0] }
        return shards[Int(UInt(bitPattern: key.hashValue) & UInt(shards.count - 1))]
    }

    /// Takes one of the `maxConcurrentRetrievals` slots; false when every one is in use.
    func takeSlot() -> Bool {
        var current = slotsInUse.load(ordering: .relaxed)
        while current < policy.maxConcurrentRetrievals {
            let (exchanged, original) = slotsInUse.compareExchange(
                expected: current,
                desired: current + 1,
                ordering: .relaxed
            )
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// A source task has returned: its slot is free.
    func releaseSlot() {
        slotsInUse.subtract(1, ordering: .relaxed)
    }
}
