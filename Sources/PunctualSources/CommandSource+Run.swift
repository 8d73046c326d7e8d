import Glibc
import Logging
import Subprocess
import SystemPackage

/// What one run of a command produced, once its process has been reaped.
///
/// swift-subprocess does the work that must not block: it spawns on a thread of its own,
/// reads the pipes through its epoll thread, learns of the exit through a pidfd on its
/// monitor thread, and reaps only once the exit is known. On cancellation it runs the
/// teardown (SIGTERM to the group, SIGKILL after the grace) and waits for the exit
/// before `run` returns.
struct CommandRun: Sendable {
    var pid: pid_t
    var termination: TerminationStatus
    var output: [UInt8]
    var overflowed: Bool
    var standardError: [UInt8]
    var standardErrorTruncated: Bool

    /// Runs the command once. Throws `CancellationError` if the task was cancelled, else only
    /// `Failure.couldNotRun`; every other outcome is in the result.
    static func run(_ source: CommandSource, key: String) async throws -> CommandRun {
        var options = PlatformOptions()
        // A process group of its own, led by the command, so signals reach its children too.
        options.processGroupID = 0
        options.teardownSequence = [
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: source.terminationGrace)
        ]
        var leader: pid_t?
        defer {
            // The teardown stops once the leader is gone, so a member of its group that
            // ignores SIGTERM could outlive it. A group keeps its number while it has a
            // member, so this reaches exactly those stragglers. (An empty group's number is
            // free again, but the kernel hands out PIDs in turn: naming another group in
            // the moment since the reap would take a wrap-around of the PID space.)
            if let leader { kill(-leader, SIGKILL) }
        }
        do {
            let result = try await Subprocess.run(
                .path(FilePath(source.executable)),
                arguments: Arguments(source.arguments(for: key)),
                environment: .inherit.updating([Environment.Key(stringLiteral: CommandSource.keyVariable): key]),
                platformOptions: options,
                input: .none,
                output: .sequence,
                error: .sequence
            ) { execution in
                let pid = execution.processIdentifier.value
                leader = pid
                source.logger.debug("command started", metadata: ["pid": "\(pid)", "key": "\(key)"])
                async let error = collectError(execution.standardError)
                let output = try await collectOutput(execution, limit: source.maxValueBytes)
                let streams = try await Streams(output: output, error: error)
                killStragglersIfLeaderExited(pid)
                return streams
            }
            let streams = result.closureResult
            return CommandRun(
                pid: result.processIdentifier.value,
                termination: result.terminationStatus,
                output: streams.output.bytes,
                overflowed: streams.output.overflowed,
                standardError: streams.error.bytes,
                standardErrorTruncated: streams.error.overflowed
            )
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw CommandSource.Failure.couldNotRun("\(error)")
        }
    }

    /// Why the run gave no value, before its output is even looked at.
    func failure(limit: Int) -> CommandSource.Failure? {
        if overflowed { return .outputTooLarge(limit: limit) }
        switch termination {
        case .exited(0): return nil
        case .exited(let status): return .exited(status: status)
        case .signaled(let signal): return .killed(signal: signal)
        }
    }

    /// The bytes kept from one stream, and whether it had more.
    struct Collected: Sendable {
        var bytes: [UInt8] = []
        var overflowed = false
    }

    struct Streams: Sendable {
        var output: Collected
        var error: Collected
    }

    /// Standard output up to `limit` bytes. One byte more, and the whole group is killed at
    /// once and reading stops: an oversized value is refused, not waited for.
    private static func collectOutput(
        _ execution: Execution<NoInput, SequenceOutput, SequenceOutput>,
        limit: Int
    ) async throws -> Collected {
        var collected = Collected()
        for try await chunk in execution.standardOutput {
            guard collected.bytes.count + chunk.count <= limit else {
                try? execution.send(signal: .kill, toProcessGroup: true)
                collected.overflowed = true
                return collected
            }
            chunk.withUnsafeBytes { collected.bytes.append(contentsOf: $0) }
        }
        return collected
    }

    /// The first `loggedErrorBytes` of standard error; the rest is read and dropped, so
    /// that a chatty command never blocks on a full pipe.
    private static func collectError(_ standardError: SubprocessOutputSequence) async throws -> Collected {
        var collected = Collected()
        for try await chunk in standardError {
            let room = CommandSource.loggedErrorBytes - collected.bytes.count
            chunk.withUnsafeBytes { collected.bytes.append(contentsOf: $0.prefix(max(0, room))) }
            if chunk.count > room { collected.overflowed = true }
        }
        return collected
    }

    /// Once the leader has exited (a zombie still holds its number), kills what is left in
    /// its group: a background job that would otherwise keep running.
    private static func killStragglersIfLeaderExited(_ pid: pid_t) {
        var info = siginfo_t()
        // With WNOHANG, a child that has not exited leaves `info` zeroed.
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info.si_signo == SIGCHLD else {
            return
        }
        kill(-pid, SIGKILL)
    }
}
