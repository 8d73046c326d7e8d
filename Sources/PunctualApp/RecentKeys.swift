import Retrieval
import Synchronization

/// The keys asked for most recently, with how each one's last request ended: the status
/// page's table.
///
/// Bounded (the oldest key is forgotten), so a flood of keys costs nothing but turnover.
final class RecentKeys: Sendable {
    struct Record: Sendable {
        let key: String
        /// `fresh`, `hit`, `stale (timeout)`, `504`, …
        let outcome: String
        /// The source's error, when the last retrieval failed.
        let error: String?
        let at: WallTime
    }

    private let capacity: Int
    private let records = Mutex<[Record]>([])

    init(capacity: Int = 20) {
        self.capacity = capacity
    }

    func record(_ key: String, outcome: String, error: String?) {
        let record = Record(key: key, outcome: outcome, error: error, at: .now())
        records.withLock { records in
            records.removeAll { $0.key == key }
            records.append(record)
            if records.count > capacity { records.removeFirst(records.count - capacity) }
        }
    }

    /// Most recent first.
    var newestFirst: [Record] {
        records.withLock { $0.reversed() }
    }
}
