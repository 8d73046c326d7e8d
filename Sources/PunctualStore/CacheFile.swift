import GRDB
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Opens the cache file for the store, or makes a new one: a file that cannot be used is
/// moved aside whole (never deleted, never written into) so that the service starts anyway.
///
/// Runs on the store's queue: every call here may block on the disk.
enum CacheFile {
    /// Opens `path`, moving an unusable file (and its `-wal`, `-shm`, `-journal`) aside to
    /// `PATH.corrupt-<UTC time>`. Throws only when no usable file can be made at `path`.
    static func open(path: String, logger: Logger) throws(SQLiteStoreError) -> DatabaseQueue {
        switch FileStatus(path) {
        case .directory:
            throw SQLiteStoreError(path: path, "is a directory")
        case .missing:
            // A `-wal` without its database belongs to some older file: never replay it into a new one.
            if companions(of: path).contains(where: { FileStatus($0) != .missing }) {
                let aside = try setAside(path)
                logger.warning(
                    "cache file has companions but no database: moved them aside",
                    metadata: ["path": "\(path)", "moved-to": "\(aside)"]
                )
            }
        case .file:
            break
        }
        let problem: Problem
        if case .some(false) = startsAsSQLite(path) {
            // Moved aside before SQLite opens it: SQLite would take a `-wal` next to it for its own.
            problem = .unusable("not an SQLite database")
        } else {
            switch attempt(path: path, logger: logger) {
            case .success(let database): return database
            case .failure(let failure): problem = failure
            }
        }
        guard case .unusable(let reason) = problem, FileStatus(path) == .file else {
            throw SQLiteStoreError(path: path, "cannot open or create it: \(problem)")
        }
        let aside = try setAside(path)
        logger.warning(
            "cache file is unusable: moved it aside and started an empty one",
            metadata: ["path": "\(path)", "reason": "\(reason)", "moved-to": "\(aside)"]
        )
        switch attempt(path: path, logger: logger) {
        case .success(let database): return database
        case .failure(let failure):
            throw SQLiteStoreError(path: path, "cannot create a new cache file there: \(failure)")
        }
    }

    /// Why an attempt to open the file failed.
    enum Problem: Error, CustomStringConvertible {
        /// The file is damaged, unreadable or not ours: move it aside and start anew.
        case unusable(String)
        /// Anything else (the directory, the disk, another process holding a lock): moving
        /// the file aside would not help, or would take it from its owner.
        case failed(String)

        var description: String {
            switch self {
            case .unusable(let reason), .failed(let reason): reason
            }
        }
    }

    private static func attempt(path: String, logger: Logger) -> Result<DatabaseQueue, Problem> {
        let database: DatabaseQueue
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            return .failure(classify(error))
        }
        do {
            switch try database.read(CacheFileSchema.inspect) {
            case .ours(let values):
                logger.debug("opened cache file", metadata: ["path": "\(path)", "values": "\(values)"])
            case .empty:
                try database.write(CacheFileSchema.create)
                logger.debug("created cache file", metadata: ["path": "\(path)"])
            case .unusable(let reason):
                try? database.close()
                return .failure(.unusable(reason))
            }
            let mode = try database.writeWithoutTransaction(CacheFileSchema.enableWriteAheadLog)
            if mode != "wal" {
                logger.warning(
                    "cache file is not in WAL mode: writes still commit, but readers wait for them",
                    metadata: ["path": "\(path)", "journal-mode": "\(mode)"]
                )
            }
            return .success(database)
        } catch {
            try? database.close()
            return .failure(classify(error))
        }
    }

    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.label = "punctual.cache-file"
        // Another process with the file open (a second Punctual) holds its lock briefly.
        configuration.busyMode = .timeout(2)
        // In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the
        // process loses nothing committed, a power cut at most the last commits.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return configuration
    }

    private static func classify(_ error: any Error) -> Problem {
        guard let error = error as? DatabaseError else { return .unusable("\(error)") }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_NOMEM, .SQLITE_FULL:
            return .failed(error.description)
        default:
            return .unusable(error.description)
        }
    }

    private static func companions(of path: String) -> [String] {
        ["-wal", "-shm", "-journal"].map { path + $0 }
    }

    /// Renames `path` and its companions to `PATH.corrupt-<UTC time>` (and `…-wal`, so that
    /// SQLite still finds them together); returns the new name.
    private static func setAside(_ path: String) throws(SQLiteStoreError) -> String {
        let stamp = utcStamp()
        var aside = "\(path).corrupt-\(stamp)"
        var attempt = 1
        while FileStatus(aside) != .missing {
            attempt += 1
            aside = "\(path).corrupt-\(stamp)-\(attempt)"
        }
        for (from, to) in [(path, aside)] + zip(companions(of: path), companions(of: aside))
        where FileStatus(from) != .missing {
            guard rename(from, to) == 0 else {
                let reason = String(cString: strerror(errno))
                throw SQLiteStoreError(path: path, "is unusable and cannot be moved aside to \(to): \(reason)")
            }
        }
        return aside
    }

    /// Whether the file starts with SQLite's header (or is empty, as a new database is);
    /// nil when it cannot be read (SQLite then says why).
    private static func startsAsSQLite(_ path: String) -> Bool? {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { Glibc.close(descriptor) }
        let magic = Array("SQLite format 3\0".utf8)
        var header = [UInt8](repeating: 0, count: magic.count)
        let count = header.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, magic.count) }
        guard count >= 0 else { return nil }
        return count == 0 || header[..<count].elementsEqual(magic)
    }

    /// Now, as `20261202T101500Z`.
    private static func utcStamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let length = strftime(&buffer, buffer.count, "%Y%m%dT%H%M%SZ", &parts)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// What is at a path (a symbolic link counts as what it points to).
private enum FileStatus: Equatable {
    case missing
    case file
    case directory

    init(_ path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            self = .missing
            return
        }
        self = (status.st_mode & S_IFMT) == S_IFDIR ? .directory : .file
    }
}
