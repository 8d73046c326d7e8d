import Foundation
import Logging
import PunctualJSON
import PunctualSources
import PunctualTestSupport
import Synchronization
import Testing

/// `--source command` with real scripts: what a run gives, and every way it can fail.
@Suite(.timeLimit(.minutes(2))) struct CommandSourceTests {
    @Test("A fast command's output is the value, and the command is reaped when retrieve returns")
    func fastCommand() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write("echo $$ > \(folder)/leader.pid\nprintf '{\"a\":1}\\n'", in: folder)
            let value = try await CommandSource.forTest(script).retrieve("k")
            #expect(value == JSONFragment(trustedBytes: Array(#"{"a":1}"#.utf8)))
            let leader = try #require(await CommandScripts.pid(in: folder, "leader.pid"))
            #expect(CommandScripts.doesNotExist(leader))
        }
    }

    @Test("A value of exactly the cap is accepted")
    func valueAtTheCap() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write("printf '\"%s\"' 12345678", in: folder)
            let value = try await CommandSource.forTest(script, maxValueBytes: 10).retrieve("k")
            #expect(value.description == "\"12345678\"")
        }
    }

    @Test("A value of nearly 1 MiB arrives whole")
    func largeValue() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write(
                "printf '\"'\nhead -c 1000000 /dev/zero | tr '\\0' a\nprintf '\"'",
                in: folder
            )
            let value = try await CommandSource.forTest(script).retrieve("k")
            #expect(value.bytes == Array(("\"" + String(repeating: "a", count: 1_000_000) + "\"").utf8))
        }
    }

    @Test("A non-zero exit is a failure that says the status")
    func failingCommand() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write("echo '{\"a\":1}'\nexit 3", in: folder)
            let error = await #expect(throws: CommandSource.Failure.self) {
                try await CommandSource.forTest(script).retrieve("k")
            }
            #expect(error == .exited(status: 3))
            #expect(error?.description == "exited with status 3")
        }
    }

    @Test("Death by a signal is a failure that says the signal")
    func killedCommand() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write("echo 1\nkill -KILL $$", in: folder)
            let error = await #expect(throws: CommandSource.Failure.self) {
                try await CommandSource.forTest(script).retrieve("k")
            }
            #expect(error == .killed(signal: SIGKILL))
            #expect(error?.description == "killed by signal 9")
        }
    }

    @Test("Output over the cap is refused and the endless writer killed at once")
    func hugeOutput() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write("echo $$ > \(folder)/leader.pid\nexec yes 1234567890", in: folder)
            let error = await #expect(throws: CommandSource.Failure.self) {
                try await CommandSource.forTest(script).retrieve("k")
            }
            #expect(error == .outputTooLarge(limit: 1 << 20))
            #expect(error?.description == "output over 1048576 bytes")
            let leader = try #require(await CommandScripts.pid(in: folder, "leader.pid"))
            #expect(CommandScripts.doesNotExist(leader))
        }
    }

    @Test("Output that is not JSON is a failure with the validator's reason")
    func notJSON() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write("echo hello", in: folder)
            let error = await #expect(throws: CommandSource.Failure.self) {
                try await CommandSource.forTest(script).retrieve("k")
            }
            #expect(error == .notJSON(JSONFragment.Invalid("unexpected 'h', expected a value at byte 0")))
            #expect(error?.description.hasPrefix("not a JSON value: ") == true)
        }
    }

    @Test("Empty output is not a value")
    func emptyOutput() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write("exit 0", in: folder)
            let error = await #expect(throws: CommandSource.Failure.self) {
                try await CommandSource.forTest(script).retrieve("k")
            }
            #expect(error == .notJSON(JSONFragment.Invalid("no value (empty or only whitespace)")))
        }
    }

    @Test("A background job left behind by a command that succeeded is killed")
    func backgroundJobIsKilled() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write("sleep 300 &\necho $! > \(folder)/child.pid\necho true", in: folder)
            let value = try await CommandSource.forTest(script).retrieve("k")
            #expect(value.description == "true")
            let child = try #require(await CommandScripts.pid(in: folder, "child.pid"))
            #expect(await CommandScripts.becomesGone(child))
        }
    }

    @Test("The executable is checked when the source is created")
    func validatesTheExecutable() async throws {
        try await withTemporaryDirectory { folder in
            let missing = folder + "/missing"
            #expect(CommandSource.validate(executable: missing) == "cannot run \(missing): No such file or directory")
            #expect(CommandSource.validate(executable: folder) == "cannot run \(folder): not a regular file")
            let plain = folder + "/plain"
            try "echo 1\n".write(toFile: plain, atomically: true, encoding: .utf8)
            #expect(CommandSource.validate(executable: plain) == "cannot run \(plain): not executable")
            #expect(CommandSource.validate(executable: "") == "no command given")
            #expect(CommandSource.validate(executable: try CommandScripts.write("echo 1", in: folder)) == nil)
            #expect(throws: CommandSource.Failure.invalidExecutable("cannot run \(plain): not executable")) {
                try CommandSource.forTest(plain)
            }
        }
    }
}

/// Scripts and process checks for the command source's tests.
enum CommandScripts {
    /// Writes `#!/bin/sh` and `body` to `folder/name`, made executable, and returns its path.
    static func write(_ body: String, named name: String = "command.sh", in folder: String) throws -> String {
        let path = folder + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    /// The process ID a script wrote to `folder/name` (with `echo`), once it is there whole.
    static func pid(in folder: String, _ name: String) async -> pid_t? {
        let found = Mutex<pid_t?>(nil)
        _ = await eventually(timeout: .seconds(30)) {
            let text = (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? ""
            guard text.hasSuffix("\n"), let pid = pid_t(text.dropLast()) else { return false }
            found.withLock { $0 = pid }
            return true
        }
        return found.withLock { $0 }
    }

    /// Whether no process has this ID (the leader, which the source reaps itself).
    static func doesNotExist(_ pid: pid_t) -> Bool {
        kill(pid, 0) == -1 && errno == ESRCH
    }

    /// Whether the process runs no more: no such process, or a zombie only init can reap
    /// (a grandchild orphaned when the command died; init in this container reaps late).
    static func isGone(_ pid: pid_t) -> Bool {
        if doesNotExist(pid) { return true }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return doesNotExist(pid) }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Polls, generously, until the process runs no more.
    static func becomesGone(_ pid: pid_t) async -> Bool {
        await eventually(timeout: .seconds(30)) { isGone(pid) }
    }
}

/// A log handler that keeps every record, for tests to read.
struct CapturingLogHandler: LogHandler {
    struct Record: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata
    }

    final class Storage: Sendable {
        private let records = Mutex<[Record]>([])
        var all: [Record] { records.withLock { $0 } }
        func append(_ record: Record) { records.withLock { $0.append(record) } }
    }

    let storage: Storage
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        storage.append(
            Record(
                level: event.level,
                message: event.message.description,
                metadata: metadata.merging(event.metadata ?? [:]) { $1 }
            )
        )
    }

    /// A logger writing to a fresh storage, and that storage.
    static func logger() -> (Logger, Storage) {
        let storage = Storage()
        return (Logger(label: "CommandSourceTests") { _ in CapturingLogHandler(storage: storage) }, storage)
    }
}

extension CommandSource {
    /// A source for a test script, logging to a capturing handler unless given a logger.
    static func forTest(
        _ executable: String,
        arguments: [String] = [],
        maxValueBytes: Int = 1 << 20,
        terminationGrace: Duration = .seconds(2),
        logger: Logger = CapturingLogHandler.logger().0
    ) throws -> CommandSource {
        try CommandSource(
            executable: executable,
            arguments: arguments,
            maxValueBytes: maxValueBytes,
            terminationGrace: terminationGrace,
            logger: logger
        )
    }
}
