import Foundation

/// A program under test, started for real and stopped by its PID, its output kept in a
/// file for failure messages.
public final class ChildProcess: @unchecked Sendable {
    // The Process is only started in init and signalled or polled afterwards.
    private let process: Process
    public let logPath: String

    /// Starts `executable`; with `standardInput`, that descriptor becomes its fd 0 (the
    /// spawn-fcgi convention for a listening socket), else /dev/null does. `environment` is
    /// added to this process's own.
    public init(
        _ executable: String,
        _ arguments: [String],
        logPath: String,
        standardInput: Int32? = nil,
        environment: [String: String] = [:]
    ) throws {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.standardOutput = log
        process.standardError = log
        process.standardInput =
            standardInput.map { FileHandle(fileDescriptor: $0, closeOnDealloc: false) } ?? FileHandle.nullDevice
        try process.run()
        self.logPath = logPath
    }

    deinit { kill() }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func signal(_ signal: Int32) {
        if process.isRunning { Foundation.kill(pid, signal) }
    }

    /// SIGTERM, then waits for the exit; SIGKILL if it does not come within `timeout`.
    /// Returns the exit status (nil if it had to be killed).
    @discardableResult
    public func stop(timeout: Duration = .seconds(10)) async -> Int32? {
        signal(SIGTERM)
        if await eventually(timeout: timeout, { !self.isRunning }) { return process.terminationStatus }
        kill()
        return nil
    }

    public func kill() {
        guard process.isRunning else { return }
        Foundation.kill(pid, SIGKILL)
        process.waitUntilExit()
    }
}

/// Where the package's products are: `PUNCTUAL_BIN_PATH`, or the debug build folder.
public func builtProduct(_ name: String) -> String {
    let folder = ProcessInfo.processInfo.environment["PUNCTUAL_BIN_PATH"] ?? repositoryRoot() + "/.build/debug"
    return folder + "/" + name
}

/// The repository's root folder, found from this source file's path.
public func repositoryRoot(file: String = #filePath) -> String {
    var url = URL(fileURLWithPath: file)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.path + "/Package.swift") { return url.path }
    }
    return FileManager.default.currentDirectoryPath
}
