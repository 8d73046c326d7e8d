import Foundation
import GRDB
import PunctualJSON
import Retrieval

/// The cache file's layout, in one place: one table of last good values, marked as
/// Punctual's by `PRAGMA application_id` and versioned by `PRAGMA user_version`, so that
/// a later version (a shared store, another column) can migrate it instead of guessing.
enum CacheFileSchema {
    /// "PUNC": tells a Punctual cache file from any other SQLite database.
    static let applicationID: Int32 = 0x5055_4E43
    /// The layout this code reads and writes.
    static let version = 1
    static let table = "last_good_values"

    /// What a file opened as a database holds.
    enum Verdict: Equatable {
        /// Punctual's table, in this version's layout, with this many values.
        case ours(values: Int)
        /// No table at all (a new or zero-length file): the schema can be created in it.
        case empty
        /// Anything else: not ours to write into, so it is moved aside whole.
        case unusable(String)
    }

    /// Reads the whole file (`PRAGMA quick_check` visits every page) and its layout,
    /// without writing anything: a foreign database is left as it was.
    static func inspect(_ db: Database) throws -> Verdict {
        let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
        guard check == ["ok"] else {
            return .unusable("quick_check failed: \(check.prefix(3).joined(separator: "; "))")
        }
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let objects = try String.fetchAll(
            db,
            sql: "SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        if objects.isEmpty && applicationID == 0 && version == 0 { return .empty }
        guard applicationID == Self.applicationID else {
            let list = objects.prefix(5).joined(separator: ", ")
            return .unusable("not a Punctual cache file (application_id \(applicationID); holds \(list))")
        }
        guard version == Self.version else {
            return .unusable("schema version \(version), and this Punctual reads version \(Self.version)")
        }
        let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { row -> String in
            let name: String = row["name"]
            let type: String = row["type"]
            let primaryKey: Int = row["pk"]
            return "\(name) \(type)\(primaryKey > 0 ? " PRIMARY KEY" : "")"
        }
        guard columns == ["key TEXT PRIMARY KEY", "value BLOB", "retrieved_at INTEGER"] else {
            return .unusable("table \(table) has columns (\(columns.joined(separator: ", ")))")
        }
        let values = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
        return .ours(values: values)
    }

    /// Creates the table and marks the file, in the caller's transaction (all or nothing).
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE \(table) (
                    key TEXT PRIMARY KEY NOT NULL,
                    value BLOB NOT NULL,
                    retrieved_at INTEGER NOT NULL
                );
                PRAGMA application_id = \(applicationID);
                PRAGMA user_version = \(version);
                """
        )
    }

    /// WAL: a commit is one append to the `-wal` file, readers never block the writer, and
    /// a process killed at any moment leaves a file SQLite recovers on the next open.
    /// Returns the journal mode in force (`wal` unless the file system cannot share memory).
    static func enableWriteAheadLog(_ db: Database) throws -> String {
        let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") ?? "unknown"
        // After a checkpoint, truncate a `-wal` grown by a burst of large values.
        try db.execute(sql: "PRAGMA journal_size_limit = \(64 << 20)")
        return mode
    }

    /// Writes `entries` (one per key), replacing what the file held for their keys.
    static func write(_ entries: [PendingWrites.Entry], in db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO \(table) (key, value, retrieved_at) VALUES (?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, retrieved_at = excluded.retrieved_at
                """
        )
        for entry in entries {
            let value = entry.value
            try statement.execute(
                arguments: [value.key, Data(value.value.bytes), value.retrievedAt.microsecondsSinceEpoch]
            )
        }
    }

    /// Deletes all but the `count` rows retrieved last and the rows of `pinned` keys;
    /// returns how many rows it deleted.
    static func prune(keepingNewest count: Int, pinned: Set<String>, in db: Database) throws -> Int {
        let placeholders = Array(repeating: "?", count: pinned.count).joined(separator: ", ")
        try db.execute(
            sql: """
                DELETE FROM \(table)
                WHERE key NOT IN (\(placeholders))
                AND key NOT IN (SELECT key FROM \(table) ORDER BY retrieved_at DESC LIMIT ?)
                """,
            arguments: StatementArguments(pinned.sorted()) + [count]
        )
        return db.changesCount
    }

    /// Every value in the file; rows that do not fit the layout (written by hand) are
    /// skipped and counted.
    static func readAll(_ db: Database) throws -> (values: [StoredValue<String, JSONFragment>], skipped: Int) {
        var values: [StoredValue<String, JSONFragment>] = []
        var skipped = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT key, value, retrieved_at FROM \(table)")
        while let row = try rows.next() {
            // Decoded by storage class, never by GRDB's converting subscripts (they trap on a mismatch).
            guard case .string(let key) = (row[0] as DatabaseValue).storage,
                case .int64(let microseconds) = (row[2] as DatabaseValue).storage
            else {
                skipped += 1
                continue
            }
            let bytes: [UInt8]
            switch (row[1] as DatabaseValue).storage {
            case .blob(let data) where !data.isEmpty: bytes = [UInt8](data)
            case .string(let text) where !text.isEmpty: bytes = Array(text.utf8)
            default:
                skipped += 1
                continue
            }
            values.append(
                StoredValue(
                    key: key,
                    value: JSONFragment(trustedBytes: bytes),
                    retrievedAt: WallTime(microsecondsSinceEpoch: microseconds)
                )
            )
        }
        return (values, skipped)
    }
}
