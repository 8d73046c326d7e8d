import Dispatch
import GRDB
import Logging
import Synchronization

extension SQLiteStore {
    /// Writes everything queued in one transaction. Runs on `queue` only.
    ///
    /// `scheduled` says that this is the write `save` (or a failure) scheduled, so that
    /// the next save schedules another; a `flush` runs one in between without that.
    func writePending(scheduled: Bool) {
        dispatchPrecondition(condition: .onQueue(queue))
        let (batch, dropped) = pending.withLock { ($0.takeBatch(scheduled: scheduled), $0.takeDroppedCount()) }
        if dropped > 0 {
            logger.warning(
                "dropped the oldest values waiting for the cache file: too many queued while writes failed",
                metadata: ["path": "\(path)", "dropped": "\(dropped)"]
            )
        }
        guard !batch.isEmpty else { return }
        let entries = batch.latestPerKey()
        do {
            try database.write { db in try CacheFileSchema.write(entries, in: db) }
            pending.withLock { $0.committed(entries.count) }
            logger.trace("committed values to the cache file", metadata: ["values": "\(entries.count)"])
        } catch {
            logger.error(
                "cannot write to the cache file: the values stay queued for the next try",
                metadata: ["path": "\(path)", "values": "\(entries.count)", "error": "\(error)"]
            )
            let oldestFirst = entries.sorted { $0.sequence < $1.sequence }
            guard pending.withLock({ $0.failed(putBack: oldestFirst) }) else { return }
            queue.asyncAfter(deadline: .now() + Self.retryDelay) { [self] in
                writePending(scheduled: true)
            }
        }
    }

    /// Commits what is queued, then closes the file. Runs on `queue` only.
    func closeDatabase() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !pending.withLock(\.isClosed) else { return }
        writePending(scheduled: false)
        let lost = pending.withLock { $0.close() }
        if lost > 0 {
            logger.error(
                "closed the cache file with values that could not be written",
                metadata: ["path": "\(path)", "lost": "\(lost)"]
            )
        }
        do {
            // The last connection to close checkpoints the WAL into the file and removes it.
            try database.close()
            logger.debug("closed cache file", metadata: ["path": "\(path)"])
        } catch {
            logger.error("cannot close the cache file", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}
