import Dispatch
import GRDB
import Logging
import PunctualJSON
import PunctualStore
import PunctualTestSupport
import Retrieval
import Testing

@Suite(.timeLimit(.minutes(2))) struct WriteFailureTests {
    /// Another process holding the file's write lock longer than the store waits for it
    /// makes a write fail: it is logged and counted, and its values are written later.
    @Test func aFailedWriteIsLoggedCountedAndRetriedWithoutLosingItsValues() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            let log = LogRecorder()
            try await withStore(at: path, logger: log.logger) { store in
                let lock = try await WriteLockHolder(path: path)
                store.save(storedValue("a", "1"))
                store.save(storedValue("b", "1"))
                let failed = await eventually(timeout: .seconds(20)) { store.writeFailures >= 1 }
                #expect(failed)
                #expect(store.pendingCount == 2)
                #expect(store.writesCommitted == 0)
                #expect(log.messages(at: .error).contains { $0.contains("cannot write to the cache file") })
                store.save(storedValue("a", "2"))
                try await lock.release()
                let written = await eventually(timeout: .seconds(20)) {
                    store.pendingCount == 0 && store.writesCommitted == 2
                }
                #expect(written)
            }
            let values = try await reopenedValues(at: path)
            #expect(values.mapValues(\.value.description) == ["a": "2", "b": "1"])
        }
    }
}

/// Holds the file's write lock (an open `BEGIN IMMEDIATE`) on a thread of its own, as
/// another process would, until released.
private final class WriteLockHolder: Sendable {
    private let released = DispatchSemaphore(value: 0)
    private let finished: Task<Void, any Error>

    init(path: String) async throws {
        let held = DispatchSemaphore(value: 0)
        let released = released
        finished = Task {
            try await offPool {
                let database = try DatabaseQueue(path: path)
                defer { try? database.close() }
                try database.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        held.signal()
                        released.wait()
                        return .rollback
                    }
                }
            }
        }
        try await offPool { held.wait() }
    }

    func release() async throws {
        released.signal()
        try await finished.value
    }
}
