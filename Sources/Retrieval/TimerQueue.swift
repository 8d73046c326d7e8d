/// A binary min-heap of timer deadlines, ordered by deadline, then by scheduling order.
///
/// It holds only `(deadline, sequence)`; the actions live in a dictionary beside it, so a
/// cancelled timer is dropped from the dictionary at once and its heap entry later, when
/// it reaches the top or when `rebuild(keeping:)` sweeps out the dead ones.
struct TimerQueue<Instant: Comparable> {
    /// One scheduled timer.
    struct Entry {
        var deadline: Instant
        var sequence: UInt64

        /// Earlier deadline first; equal deadlines in the order they were scheduled.
        func precedes(_ other: Entry) -> Bool {
            (deadline, sequence) < (other.deadline, other.sequence)
        }
    }

    private var storage: [Entry] = []

    var count: Int { storage.count }
    var isEmpty: Bool { storage.isEmpty }

    /// The earliest entry.
    var first: Entry? { storage.first }

    mutating func insert(_ entry: Entry) {
        storage.append(entry)
        siftUp(from: storage.count - 1)
    }

    /// Removes and returns the earliest entry.
    @discardableResult
    mutating func removeFirst() -> Entry? {
        guard !storage.isEmpty else {
            return nil
        }
        storage.swapAt(0, storage.count - 1)
        let first = storage.removeLast()
        siftDown(from: 0)
        return first
    }

    mutating func removeAll() {
        storage.removeAll()
    }

    /// Keeps only the entries `isLive` accepts and restores heap order, in O(n).
    mutating func rebuild(keeping isLive: (Entry) -> Bool) {
        storage.removeAll { !isLive($0) }
        for index in stride(from: storage.count / 2 - 1, through: 0, by: -1) {
            siftDown(from: index)
        }
    }

    private mutating func siftUp(from start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard storage[child].precedes(storage[parent]) else {
                return
            }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            var smallest = parent
            let left = 2 * parent + 1
            let right = left + 1
            if left < storage.count && storage[left].precedes(storage[smallest]) {
                smallest = left
            }
            if right < storage.count && storage[right].precedes(storage[smallest]) {
                smallest = right
            }
            guard smallest != parent else {
                return
            }
            storage.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
