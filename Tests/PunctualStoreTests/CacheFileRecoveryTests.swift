import Foundation
import GRDB
import Logging
import PunctualStore
import PunctualTestSupport
import Testing

/// What the store does with a file it cannot use: move it aside whole, start empty, and
/// throw only when no file can be made at all.
@Suite(.timeLimit(.minutes(2))) struct CacheFileRecoveryTests {
    @Test func aFileOfGarbageIsMovedAsideWithItsCompanionsAndTheStoreOpensEmpty() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            var generator = SystemRandomNumberGenerator()
            let garbage = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let walGarbage = Array("not a log".utf8)
            #expect(FileManager.default.createFile(atPath: path, contents: Data(garbage)))
            #expect(FileManager.default.createFile(atPath: path + "-wal", contents: Data(walGarbage)))
            let log = LogRecorder()
            try await withStore(at: path, logger: log.logger) { store in
                let values = try await store.loadAll()
                #expect(values.isEmpty)
                store.save(storedValue("a", "1"))
            }
            let aside = try #require(try fileNames(in: directory).first { $0.hasPrefix("cache.sqlite.corrupt-") })
            #expect(aside.wholeMatch(of: /cache\.sqlite\.corrupt-\d{8}T\d{6}Z/) != nil)
            #expect(fileBytes(directory + "/" + aside) == garbage)
            #expect(fileBytes(directory + "/" + aside + "-wal") == walGarbage)
            #expect(log.messages(at: .warning).contains { $0.contains("moved it aside") })
            // The new file works.
            #expect(try await reopenedValues(at: path).keys.sorted() == ["a"])
        }
    }

    @Test func aTruncatedFileIsMovedAside() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            let kilobyte = "\"" + String(repeating: "v", count: 1024) + "\""
            try await withStore(at: path) { store in
                for index in 0..<300 { store.save(storedValue("key\(index)", kilobyte)) }
            }
            let whole = try #require(fileBytes(path))
            #expect(whole.count > 100_000)
            #expect(FileManager.default.createFile(atPath: path, contents: Data(whole.prefix(whole.count / 2))))
            try await withStore(at: path) { store in
                let values = try await store.loadAll()
                #expect(values.isEmpty)
            }
            #expect(try fileNames(in: directory).contains { $0.hasPrefix("cache.sqlite.corrupt-") })
        }
    }

    /// Another program's database is never written into: it is moved aside whole (readable
    /// as it was), and the store starts empty, as it does with any file it cannot use.
    @Test func anotherProgramsDatabaseIsMovedAsideUntouched() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            try await writeDatabase(at: path) { db in
                try db.execute(sql: "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
                try db.execute(sql: "INSERT INTO users (name) VALUES ('ada'), ('grace')")
            }
            let log = LogRecorder()
            try await withStore(at: path, logger: log.logger) { store in
                let values = try await store.loadAll()
                #expect(values.isEmpty)
            }
            let aside = try #require(try fileNames(in: directory).first { $0.hasPrefix("cache.sqlite.corrupt-") })
            let users = try await readDatabase(at: directory + "/" + aside) { db in
                try String.fetchAll(db, sql: "SELECT name FROM users ORDER BY id")
            }
            #expect(users == ["ada", "grace"])
            #expect(log.messages(at: .warning).count == 1)
        }
    }

    @Test func aCacheFileOfANewerSchemaVersionIsMovedAside() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            try await withStore(at: path) { store in store.save(storedValue("a", "1")) }
            try await writeDatabase(at: path) { db in try db.execute(sql: "PRAGMA user_version = 2") }
            try await withStore(at: path) { store in
                let values = try await store.loadAll()
                #expect(values.isEmpty)
            }
            #expect(try fileNames(in: directory).contains { $0.hasPrefix("cache.sqlite.corrupt-") })
        }
    }

    @Test func aZeroLengthFileBecomesTheCacheInPlace() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            try await withStore(at: path) { store in store.save(storedValue("a", "1")) }
            #expect(try await reopenedValues(at: path).keys.sorted() == ["a"])
            #expect(try !fileNames(in: directory).contains { $0.contains(".corrupt-") })
        }
    }

    /// A `-wal` whose database is gone belongs to an older file: replayed into a new one it
    /// would bring back stale values or damage it.
    @Test func aLogWithoutItsDatabaseIsMovedAsideNotReplayed() async throws {
        try await withTemporaryDirectory { directory in
            let old = directory + "/old.sqlite"
            let path = directory + "/cache.sqlite"
            try await withStore(at: old) { store in
                store.save(storedValue("stale", "1"))
                await store.flush()
                try FileManager.default.copyItem(atPath: old + "-wal", toPath: path + "-wal")
            }
            #expect(try await reopenedValues(at: path).isEmpty)
            #expect(
                try fileNames(in: directory).contains { $0.hasPrefix("cache.sqlite.corrupt-") && $0.hasSuffix("-wal") }
            )
        }
    }

    @Test func aPathInAMissingDirectoryThrowsAnErrorThatNamesThePath() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/missing/cache.sqlite"
            let error = await #expect(throws: SQLiteStoreError.self) {
                try await SQLiteStore.open(path: path, logger: LogRecorder().logger)
            }
            #expect(error?.path == path)
            #expect("\(error.map { "\($0)" } ?? "")".contains(path))
            #expect(!FileManager.default.fileExists(atPath: directory + "/missing"))
        }
    }

    @Test func aPathThatIsADirectoryThrows() async throws {
        try await withTemporaryDirectory { directory in
            let error = await #expect(throws: SQLiteStoreError.self) {
                try await SQLiteStore.open(path: directory, logger: LogRecorder().logger)
            }
            #expect(error?.description.contains("is a directory") == true)
        }
    }
}
