import Foundation
import PunctualTestSupport

/// A server that forks workers (Apache, nginx, h2o), started as the leader of a process
/// group of its own and stopped by signalling the whole group, so that no worker outlives
/// a test, even a failing one.
///
/// Foundation's `Process` starts every child as a group leader (`pgid == pid`); this is
/// checked at start, and without it only the leader is signalled.
final class ProcessGroup: Sendable {
    let process: ChildProcess
    /// The group to signal: the leader's pid, or nil when the child shares the test's group.
    private let group: pid_t?

    init(_ executable: String, _ arguments: [String], logPath: String) throws {
        // A child inherits the spawning thread's signal mask, and the threads of Swift's
        // pool block SIGTERM: servers that do not reset their mask (lighttpd, h2o) would
        // never see it. Unblock the stop signals for the spawn, then restore the mask.
        var stopSignals = sigset_t()
        var saved = sigset_t()
        sigemptyset(&stopSignals)
        for number in [SIGTERM, SIGINT, SIGHUP, SIGQUIT] { sigaddset(&stopSignals, number) }
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        process = try ChildProcess(executable, arguments, logPath: logPath)
        let group = getpgid(process.pid)
        self.group = group == process.pid && group != getpgrp() ? group : nil
    }

    deinit { kill() }

    var pid: Int32 { process.pid }
    var log: String { process.log }

    /// The live (not zombie) processes of the group, from /proc.
    var members: [pid_t] {
        guard let group else { return process.isRunning ? [process.pid] : [] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // After "(comm)": state, ppid, pgrp.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z", pid_t(fields[2]) == group else { return nil }
            return pid
        }
    }

    /// SIGTERM to the group, then SIGKILL to whatever is left after `timeout`; every wait
    /// is bounded. Returns whether the group was gone before the SIGKILL.
    @discardableResult
    func stop(timeout: Duration = .seconds(10)) async -> Bool {
        send(SIGTERM)
        if await eventually(timeout: timeout, { self.members.isEmpty }) { return true }
        kill()
        return false
    }

    /// SIGKILL to the whole group at once, and a bounded wait for it to go.
    func kill() {
        send(SIGKILL)
        process.kill()
        let deadline = ContinuousClock.now + .seconds(5)
        while !members.isEmpty && ContinuousClock.now < deadline { usleep(10_000) }
    }

    private func send(_ signal: Int32) {
        if let group {
            Foundation.kill(-group, signal)
        } else {
            process.signal(signal)
        }
    }
}
