import Dispatch
import GRDB
import Logging
import PunctualJSON
import Retrieval
import ServiceLifecycle
import Synchronization

/// The last good values in an SQLite file (`--cache-file`), so that they survive restarts
/// with their true ages.
///
/// `save` is called on the server's I/O thread: it queues the value (the latest per key)
/// and returns. A queue of the store's own writes what is queued in one transaction 50 ms
/// after the first save of an idle period, so a burst of 10 000 values is a handful of
/// transactions and every value is committed within about 100 ms. The file is in WAL mode
/// with `synchronous=NORMAL`: killing the process at any moment loses at most the values
/// not yet committed and never damages the file.
///
/// ```swift
/// let store = try await SQLiteStore.open(path: "/var/cache/punctual/cache.sqlite", logger: logger)
/// engine.restore(try await store.loadAll())
/// // Listed first among the app's services, so that it is shut down last.
/// ```
public final class SQLiteStore: RetrievalStore, Service {
    public typealias Key = String
    public typealias Value = JSONFragment

    /// How long the first save of an idle period waits for others to share its transaction.
    static let batchDelay = DispatchTimeInterval.milliseconds(50)
    /// How long a failed write waits before it is tried again.
    static let retryDelay = DispatchTimeInterval.seconds(1)
    /// The most values kept waiting while writes fail; beyond it the oldest are dropped.
    static let pendingLimit = 100_000

    /// The cache file's path, as given.
    public let path: String
    let logger: Logger
    /// Used only on `queue`: GRDB's calls block their caller.
    let database: DatabaseQueue
    /// The store's own serial queue: every SQLite call runs there, never on the caller's thread.
    let queue: DispatchQueue
    let pending: Mutex<PendingWrites>

    private init(path: String, database: DatabaseQueue, queue: DispatchQueue, logger: Logger) {
        self.path = path
        self.database = database
        self.queue = queue
        self.logger = logger
        self.pending = Mutex(PendingWrites(limit: Self.pendingLimit))
    }

    /// Opens the cache file at `path`, creating it if it is missing.
    ///
    /// A file that cannot be used (garbage, truncated, unreadable, another program's
    /// database, a newer schema) is logged at `warning`, moved aside whole to
    /// `PATH.corrupt-<UTC time>` (with its `-wal` and `-shm`) and replaced by an empty one.
    /// Throws only when no usable file can be made at `path` (its directory is missing or
    /// not writable, the disk is full, another process holds a lock on it).
    public static func open(path: String, logger: Logger) async throws -> SQLiteStore {
        let queue = DispatchQueue(label: "punctual.cache-file")
        let database = try await queue.perform { () throws(SQLiteStoreError) -> DatabaseQueue in
            try CacheFile.open(path: path, logger: logger)
        }
        return SQLiteStore(path: path, database: database, queue: queue, logger: logger)
    }

    /// Every value the file holds, as it was stored (values were validated when they landed).
    public func loadAll() async throws -> [StoredValue<String, JSONFragment>] {
        let (values, skipped) = try await queue.perform { [self] in
            guard !pending.withLock(\.isClosed) else { throw SQLiteStoreError(path: path, "is closed") }
            return try database.read(CacheFileSchema.readAll)
        }
        if skipped > 0 {
            logger.warning(
                "skipped rows of the cache file that do not fit its layout",
                metadata: ["path": "\(path)", "skipped": "\(skipped)"]
            )
        }
        logger.debug("loaded cache file", metadata: ["path": "\(path)", "values": "\(values.count)"])
        return values
    }

    /// Queues `value` as the last good value of its key and returns at once.
    public func save(_ value: StoredValue<String, JSONFragment>) {
        guard pending.withLock({ $0.add(value) }) else { return }
        queue.asyncAfter(deadline: .now() + Self.batchDelay) { [self] in
            writePending(scheduled: true)
        }
    }

    /// Returns once everything saved before the call is committed (or its write has failed:
    /// then it stays queued for the next try, and `writeFailures` says so).
    public func flush() async {
        await queue.perform { [self] in writePending(scheduled: false) }
    }

    /// Commits what is queued and closes the file; later saves are dropped (and counted).
    public func close() async {
        await queue.perform { [self] in closeDatabase() }
    }

    /// Waits for graceful shutdown, then commits what is queued and closes the file. When
    /// cancelled instead, it still commits what it can before returning.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    // MARK: Statistics, for the status page (readable from any thread)

    /// Values written to the file (a key written twice counts twice).
    public var writesCommitted: Int { pending.withLock(\.writesCommitted) }
    /// Transactions committed, each holding every value queued when it started.
    public var transactionsCommitted: Int { pending.withLock(\.transactionsCommitted) }
    /// Transactions that failed (their values stayed queued for the next try).
    public var writeFailures: Int { pending.withLock(\.writeFailures) }
    /// Values saved and not yet committed (queued, or in the transaction being written).
    public var pendingCount: Int { pending.withLock(\.uncommitted) }
    /// Values given up: beyond the queue's limit while writes failed, or saved after close.
    public var valuesDropped: Int { pending.withLock(\.valuesDropped) }
}
