import Glibc
import Logging
import PunctualJSON
import Retrieval

/// A source that runs a program for each retrieval: `--source command --command PATH`.
///
/// The program is run directly, never through a shell, so no character of the key can
/// change what runs. The key reaches it as the environment variable `PUNCTUAL_KEY`, and
/// as every argument that is exactly `{key}`. Its standard output, up to `maxValueBytes`,
/// must be one JSON value; its standard error goes to the log (the first 4 KiB).
///
/// The program runs in a process group of its own. When the retrieval is cancelled (a
/// deadline, a budget, shutdown), the whole group gets SIGTERM, then SIGKILL after
/// `terminationGrace`; when the program ends, whatever it left running in its group is
/// killed. `retrieve` returns only once the program has been reaped, so a retrieval's
/// slot is held exactly as long as its process lives.
///
/// ```swift
/// let source = try CommandSource(executable: "/usr/local/bin/quote", arguments: ["--symbol", "{key}"], logger: logger)
/// ```
public struct CommandSource: RetrievalSource {
    /// The argument that is replaced by the key.
    public static let keyArgument = "{key}"
    /// The environment variable that carries the key.
    public static let keyVariable = "PUNCTUAL_KEY"
    /// How much of the standard error of one run is logged.
    public static let loggedErrorBytes = 4096

    /// The absolute path of the program.
    public let executable: String
    public let arguments: [String]
    public let maxValueBytes: Int
    public let terminationGrace: Duration
    let logger: Logger

    /// Checks the executable now, so that a bad `--command` is refused at start.
    /// - Throws: `Failure.invalidExecutable` with the problem `validate(executable:)` found.
    public init(
        executable: String,
        arguments: [String] = [],
        maxValueBytes: Int = 1 << 20,
        terminationGrace: Duration = .seconds(2),
        logger: Logger
    ) throws(Failure) {
        if let problem = Self.validate(executable: executable) { throw .invalidExecutable(problem) }
        self.executable = Self.absolutePath(executable)
        self.arguments = arguments
        self.maxValueBytes = max(0, maxValueBytes)
        self.terminationGrace = max(.zero, terminationGrace)
        self.logger = logger
    }

    /// What is wrong with `executable` as a command to run, or nil if it can be run: it
    /// must name an existing regular file that this process may execute.
    public static func validate(executable: String) -> String? {
        guard !executable.isEmpty else { return "no command given" }
        guard !executable.utf8.contains(0) else { return "the command's path holds a NUL byte" }
        var info = stat()
        guard stat(executable, &info) == 0 else {
            return "cannot run \(executable): \(String(cString: strerror(errno)))"
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return "cannot run \(executable): not a regular file" }
        guard access(executable, X_OK) == 0 else { return "cannot run \(executable): not executable" }
        return nil
    }

    /// Runs the command for `key` and returns its output as a JSON value.
    /// - Throws: `Failure` when the command fails, `CancellationError` when the task is
    ///   cancelled (after the command's processes are gone).
    public func retrieve(_ key: String) async throws -> JSONFragment {
        guard !key.utf8.contains(0) else { throw Failure.keyHoldsNUL }
        try Task.checkCancellation()
        let run = try await CommandRun.run(self, key: key)
        if !run.standardError.isEmpty {
            var metadata: Logger.Metadata = ["pid": "\(run.pid)", "key": "\(key)"]
            if run.standardErrorTruncated { metadata["truncated"] = "true" }
            logger.info(
                "command wrote to standard error: \(String(decoding: run.standardError, as: UTF8.self))",
                metadata: metadata
            )
        }
        try Task.checkCancellation()
        if let failure = run.failure(limit: maxValueBytes) { throw failure }
        do {
            return try JSONFragment(validating: run.output)
        } catch {
            throw Failure.notJSON(error)
        }
    }

    /// The arguments for one run: each `{key}` replaced by the key, verbatim.
    func arguments(for key: String) -> [String] {
        arguments.map { $0 == Self.keyArgument ? key : $0 }
    }

    private static func absolutePath(_ path: String) -> String {
        guard !path.hasPrefix("/"), let directory = getcwd(nil, 0) else { return path }
        defer { free(directory) }
        return String(cString: directory) + "/" + path
    }
}
