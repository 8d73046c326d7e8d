import Foundation
import GRDB
import PunctualJSON
import PunctualStore
import PunctualTestSupport
import Retrieval
import Testing

@Suite(.timeLimit(.minutes(2))) struct SQLiteStoreTests {
    @Test func valuesSavedFlushedAndReopenedComeBackWithTheSameKeysBytesAndTimes() async throws {
        let megabyte = "\"" + String(repeating: "x", count: 1 << 20) + "\""
        let now = WallTime.now()
        let saved = [
            storedValue("default", "0.5", atMicroseconds: 1_764_672_000_000_001),
            storedValue("k\u{e9}y \"quoted\"\n; $(touch pwned)", "{\"a\":[1,2,{\"b\":null}]}"),
            storedValue("", "\"empty key\"", atMicroseconds: 0),
            storedValue("big", megabyte, atMicroseconds: 4_102_444_800_000_000),
            StoredValue(key: "now", value: JSONFragment(number: 1), retrievedAt: now),
        ]
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            try await withStore(at: path) { store in
                for value in saved { store.save(value) }
                await store.flush()
                #expect(store.pendingCount == 0)
                #expect(store.writesCommitted == saved.count)
            }
            let loaded = try await reopenedValues(at: path)
            #expect(loaded.count == saved.count)
            for value in saved {
                let back = try #require(loaded[value.key])
                #expect(back.value.bytes == value.value.bytes)
                // The file keeps whole microseconds.
                let drift = back.retrievedAt.duration(to: value.retrievedAt)
                #expect(drift > .microseconds(-1) && drift < .microseconds(1))
            }
            #expect(loaded["default"]?.retrievedAt == WallTime(sinceEpoch: .microseconds(1_764_672_000_000_001)))
        }
    }

    @Test func theLatestSaveOfAKeyWins() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            try await withStore(at: path) { store in
                store.save(storedValue("a", "1", atMicroseconds: 1))
                await store.flush()
                // Over a value already in the file, and several times within one batch.
                store.save(storedValue("a", "2", atMicroseconds: 2))
                store.save(storedValue("b", "1", atMicroseconds: 1))
                store.save(storedValue("a", "3", atMicroseconds: 3))
                store.save(storedValue("b", "2", atMicroseconds: 2))
                await store.flush()
                #expect(store.writesCommitted == 3)
            }
            let loaded = try await reopenedValues(at: path)
            #expect(loaded.mapValues(\.value.description) == ["a": "3", "b": "2"])
            #expect(loaded["a"]?.retrievedAt == WallTime(sinceEpoch: .microseconds(3)))
        }
    }

    @Test func aBurstOfTenThousandSavesIsCommittedInAHandfulOfTransactions() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            try await withStore(at: path) { store in
                for index in 0..<10_000 {
                    store.save(storedValue("key\(index)", "\(index)"))
                }
                // No flush: the store's own batching commits them.
                let committed = await eventually(timeout: .seconds(10)) {
                    store.writesCommitted == 10_000 && store.pendingCount == 0
                }
                #expect(committed)
                #expect(store.transactionsCommitted >= 1)
                #expect(store.transactionsCommitted <= 5)
                #expect(store.writeFailures == 0)
            }
            let loaded = try await reopenedValues(at: path)
            #expect(loaded.count == 10_000)
            #expect(loaded["key9999"]?.value.description == "9999")
        }
    }

    @Test func aValueIsCommittedWithinTwoSecondsWithoutAFlush() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            try await withStore(at: path) { store in
                store.save(storedValue("fresh", "42"))
                let visible = await eventually(timeout: .seconds(2)) {
                    // Another connection, as another process would read it.
                    let rows = try? await readDatabase(at: path) { db in
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM last_good_values WHERE key = 'fresh'")
                    }
                    return rows == 1
                }
                #expect(visible)
                #expect(store.transactionsCommitted == 1)
            }
        }
    }

    @Test func theFileIsInWALModeAndMarkedWithItsSchemaVersion() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            try await withStore(at: path) { store in
                store.save(storedValue("a", "1"))
                await store.flush()
                let (mode, version, applicationID) = try await readDatabase(at: path) { db in
                    (
                        try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                        try Int.fetchOne(db, sql: "PRAGMA user_version"),
                        try Int32.fetchOne(db, sql: "PRAGMA application_id")
                    )
                }
                #expect(mode == "wal")
                #expect(version == 1)
                #expect(applicationID == 0x5055_4E43)
            }
        }
    }

    /// `kill -9` leaves the database and its `-wal` as they are on disk: a copy taken while
    /// the store is open is exactly that.
    @Test func theFilesAsAKilledProcessLeavesThemOpenWithEveryCommittedValue() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            let copy = directory + "/copy.sqlite"
            try await withStore(at: path) { store in
                for index in 0..<500 { store.save(storedValue("key\(index)", "\(index)")) }
                await store.flush()
                let walSize = try #require(FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int)
                #expect(walSize > 0)
                for suffix in ["", "-wal", "-shm"] {
                    try FileManager.default.copyItem(atPath: path + suffix, toPath: copy + suffix)
                }
            }
            let recovered = try await reopenedValues(at: copy)
            #expect(recovered.count == 500)
            #expect(recovered["key499"]?.value.description == "499")
        }
    }

    @Test func closingCheckpointsTheLogIntoTheFileItself() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            let alone = directory + "/alone.sqlite"
            try await withStore(at: path) { store in
                for index in 0..<100 { store.save(storedValue("key\(index)", "\(index)")) }
            }
            let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
            #expect(walSize == 0)
            // The database file without any companion holds everything.
            try FileManager.default.copyItem(atPath: path, toPath: alone)
            #expect(try await reopenedValues(at: alone).count == 100)
        }
    }

    @Test func savesAfterCloseAreDroppedAndCounted() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            let store = try await SQLiteStore.open(path: path, logger: LogRecorder().logger)
            store.save(storedValue("before", "1"))
            await store.close()
            store.save(storedValue("after", "2"))
            await store.flush()
            #expect(store.valuesDropped == 1)
            #expect(store.pendingCount == 0)
            await #expect(throws: SQLiteStoreError.self) { try await store.loadAll() }
            #expect(try await reopenedValues(at: path).keys.sorted() == ["before"])
        }
    }
}
