import Retrieval

extension WallTime {
    /// Whole microseconds since the epoch, as the cache file stores them: an exact integer
    /// that other tools read too (`datetime(retrieved_at / 1e6, 'unixepoch')`).
    var microsecondsSinceEpoch: Int64 {
        let (seconds, attoseconds) = sinceEpoch.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return whole.addingReportingOverflow(attoseconds / 1_000_000_000_000).partialValue
    }

    init(microsecondsSinceEpoch microseconds: Int64) {
        self.init(sinceEpoch: .microseconds(microseconds))
    }
}
