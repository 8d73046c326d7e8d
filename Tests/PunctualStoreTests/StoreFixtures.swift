import Foundation
import GRDB
import Logging
import PunctualJSON
import PunctualStore
import PunctualTestSupport
import Retrieval
import Synchronization

/// A log handler that keeps what it is given, so that tests can check what was logged and
/// at which level (and the test output stays quiet).
final class LogRecorder: Sendable {
    private let records = Mutex<[(level: Logger.Level, message: String)]>([])

    var logger: Logger {
        var logger = Logger(label: "punctual.store.tests") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    func messages(at level: Logger.Level) -> [String] {
        records.withLock { $0.filter { $0.level == level }.map(\.message) }
    }

    fileprivate func record(_ level: Logger.Level, _ message: String) {
        records.withLock { $0.append((level, message)) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.record(event.level, "\(event.message)")
        }
    }
}

/// A stored value with a time in whole microseconds (the file's resolution).
func storedValue(
    _ key: String,
    _ json: String,
    atMicroseconds microseconds: Int64 = 1_764_672_000_123_456
)
    -> StoredValue<String, JSONFragment>
{
    StoredValue(
        key: key,
        value: JSONFragment(trustedBytes: Array(json.utf8)),
        retrievedAt: WallTime(sinceEpoch: .microseconds(microseconds))
    )
}

/// Opens a store at `path`, runs `body`, and closes the store whether `body` threw or not.
func withStore<T>(
    at path: String,
    logger: Logger = LogRecorder().logger,
    _ body: (SQLiteStore) async throws -> T
) async throws -> T {
    let store = try await SQLiteStore.open(path: path, logger: logger)
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}

/// What a new process would find in the file: a fresh store's `loadAll`, by key.
func reopenedValues(at path: String) async throws -> [String: StoredValue<String, JSONFragment>] {
    try await withStore(at: path) { store in
        Dictionary(try await store.loadAll().map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
    }
}

/// Reads the file with a connection of its own (as another process would), off the pool.
func readDatabase<T: Sendable>(at path: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
    try await offPool {
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? database.close() }
        return try database.read(body)
    }
}

/// Writes a database of the test's own making at `path`, off the pool.
func writeDatabase(at path: String, _ body: @escaping @Sendable (Database) throws -> Void) async throws {
    try await offPool {
        let database = try DatabaseQueue(path: path)
        defer { try? database.close() }
        try database.write(body)
    }
}

/// The names in `directory`, sorted.
func fileNames(in directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
}

func fileBytes(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { [UInt8]($0) }
}
