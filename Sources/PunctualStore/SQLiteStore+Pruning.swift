import GRDB
import Logging
import Synchronization

extension SQLiteStore {
    /// Deletes all but the `count` most recently retrieved values, keeping those of `pinned`
    /// keys whatever their age; returns how many it deleted.
    ///
    /// The file keeps every key that ever had a value, and a client may ask for many keys:
    /// call it at start-up, after `loadAll`, with the engine's `cacheEntries` (values beyond
    /// them would never be restored) so that the file stays as big as the cache.
    @discardableResult
    public func prune(keepingNewest count: Int, pinned: Set<String> = []) async throws -> Int {
        let deleted = try await queue.perform { [self] in
            guard !pending.withLock(\.isClosed) else { throw SQLiteStoreError(path: path, "is closed") }
            // Queued values first, so that a value saved before the call counts as the newest it is.
            writePending(scheduled: false)
            return try database.write { db in
                try CacheFileSchema.prune(keepingNewest: max(0, count), pinned: pinned, in: db)
            }
        }
        if deleted > 0 {
            logger.debug("pruned cache file", metadata: ["path": "\(path)", "deleted": "\(deleted)"])
        }
        return deleted
    }
}
