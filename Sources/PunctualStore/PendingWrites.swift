import PunctualJSON
import Retrieval

/// The values saved but not yet committed, and the store's counters: the state that
/// `save` (on the caller's thread) and the writer (on the store's queue) share, behind
/// one lock, with every transition O(1) on the caller's side.
///
/// Values saved since the writer last took a batch wait in `fresh`, the latest per key.
/// A batch whose transaction failed comes back as `retry`, oldest first: everything in it
/// is older than anything in `fresh`, so when more than `limit` values wait, the oldest
/// are dropped from its front.
struct PendingWrites {
    typealias Value = StoredValue<String, JSONFragment>

    /// One saved value and when it was saved, relative to the others (to drop the oldest).
    struct Entry {
        var value: Value
        var sequence: UInt64
    }

    /// What the writer takes: the values of a failed batch, then newer ones.
    struct Batch {
        var retry: ArraySlice<Entry>
        var fresh: [String: Entry]

        var isEmpty: Bool { retry.isEmpty && fresh.isEmpty }

        /// The latest value per key, in no particular order.
        func latestPerKey() -> [Entry] {
            guard !retry.isEmpty else { return Array(fresh.values) }
            var latest = [String: Entry](minimumCapacity: retry.count + fresh.count)
            for entry in retry { latest[entry.value.key] = entry }
            for (key, entry) in fresh { latest[key] = entry }
            return Array(latest.values)
        }
    }

    let limit: Int
    private var fresh: [String: Entry] = [:]
    private var retry: ArraySlice<Entry> = []
    private var nextSequence: UInt64 = 0

    /// Whether a write is scheduled on the store's queue (saves then need not schedule one).
    private(set) var flushScheduled = false
    /// Set once the database is closed: saves are dropped from then on.
    private(set) var isClosed = false

    private(set) var writesCommitted = 0
    private(set) var transactionsCommitted = 0
    private(set) var writeFailures = 0
    private(set) var valuesDropped = 0
    /// Values dropped since the writer last logged it (logging is the writer's job).
    private var droppedUnreported = 0
    /// Values in the transaction being written (taken, not yet committed).
    private var writing = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Values waiting for a transaction (a key saved again after a failed write counts twice).
    var waiting: Int { fresh.count + retry.count }

    /// Values saved and not yet committed: waiting, or in the transaction being written.
    var uncommitted: Int { waiting + writing }

    /// Queues `value`; returns whether the caller must schedule a write.
    mutating func add(_ value: Value) -> Bool {
        guard !isClosed else {
            valuesDropped += 1
            return false
        }
        fresh[value.key] = Entry(value: value, sequence: nextSequence)
        nextSequence &+= 1
        dropOldestBeyondLimit()
        guard !flushScheduled else { return false }
        flushScheduled = true
        return true
    }

    /// Takes everything waiting, for one transaction. `scheduled` says that the write
    /// scheduled by `add` (or by a failure) is the one running, so the next save schedules anew.
    mutating func takeBatch(scheduled: Bool) -> Batch {
        if scheduled { flushScheduled = false }
        guard !isClosed else { return Batch(retry: [], fresh: [:]) }
        defer {
            writing = waiting
            fresh = [:]
            retry = []
        }
        return Batch(retry: retry, fresh: fresh)
    }

    mutating func committed(_ count: Int) {
        writing = 0
        writesCommitted += count
        transactionsCommitted += 1
    }

    /// Puts back the entries of a failed transaction, oldest first; returns whether the
    /// caller must schedule a retry.
    mutating func failed(putBack entries: [Entry]) -> Bool {
        writing = 0
        writeFailures += 1
        guard !isClosed else { return false }
        // Keys saved again since the batch was taken have a newer value in `fresh`.
        retry = ArraySlice(entries.filter { fresh[$0.value.key] == nil })
        dropOldestBeyondLimit()
        guard !flushScheduled else { return false }
        flushScheduled = true
        return true
    }

    /// Marks the database closed; returns how many values were still waiting (now lost).
    mutating func close() -> Int {
        isClosed = true
        let lost = waiting
        valuesDropped += lost
        fresh = [:]
        retry = []
        return lost
    }

    /// How many values were dropped since the last call (for the writer's warning).
    mutating func takeDroppedCount() -> Int {
        defer { droppedUnreported = 0 }
        return droppedUnreported
    }

    private mutating func dropOldestBeyondLimit() {
        while waiting > limit {
            if retry.isEmpty {
                // Only when more distinct keys than `limit` land between two writes.
                fresh.remove(at: fresh.startIndex)
            } else {
                retry.removeFirst()
            }
            valuesDropped += 1
            droppedUnreported += 1
        }
    }
}
