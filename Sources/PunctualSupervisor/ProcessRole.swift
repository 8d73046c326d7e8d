import CPunctualProcess
import FastCGI
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// What this `punctual` process is: the supervisor, a worker it started, or a responder
/// on its own (`--no-supervise`, for systemd or spawn-fcgi, which supervise it themselves).
public enum ProcessRole: Equatable, Sendable {
    /// Holds the socket and keeps a worker serving it (the default).
    case supervisor
    /// Serves the socket its supervisor passed on fd 3 (`--worker-of <pid>`).
    case worker(supervisor: Int32)
    /// Serves by itself, in the foreground (`--no-supervise`).
    case alone

    public init(workerOf supervisor: Int32?, supervise: Bool) {
        if let supervisor {
            self = .worker(supervisor: supervisor)
        } else {
            self = supervise ? .supervisor : .alone
        }
    }

    /// What every log line of this process carries: its pid and role, so that the
    /// supervisor's lines and each worker's stay apart in one journal.
    public var logMetadata: Logger.Metadata {
        let role =
            switch self {
            case .supervisor: "supervisor"
            case .worker: "worker"
            case .alone: "responder"
            }
        return ["pid": "\(getpid())", "role": "\(role)"]
    }

    /// The socket this process serves or holds, given what the options asked for.
    ///
    /// A worker checks that it was started by its supervisor (`LISTEN_FDS=1`, `LISTEN_PID`
    /// absent or its own, its parent the pid it was given), asks for SIGTERM when the
    /// supervisor dies, and serves fd 3. Otherwise, when no `--socket` or `--listen` was
    /// given, systemd's socket activation (`LISTEN_FDS=1` with `LISTEN_PID` this process)
    /// means fd 3; else fd 0, as spawn-fcgi and `StandardInput=socket` leave it. The
    /// `LISTEN_*` variables are removed either way, so that the commands a source runs
    /// never see them.
    public func listenAddress(requested: ListenAddress) throws(SystemError) -> ListenAddress {
        defer { Self.forgetSocketActivation() }
        switch self {
        case .worker(let supervisor):
            try Self.becomeWorker(of: supervisor)
            return .inherited(descriptor: 3)
        case .supervisor, .alone:
            guard requested == .inherited(descriptor: 0), Self.isSocketActivated(expectingPID: getpid()) else {
                return requested
            }
            return .inherited(descriptor: 3)
        }
    }

    private static func becomeWorker(of supervisor: Int32) throws(SystemError) {
        guard getppid() == supervisor, isSocketActivated(expectingPID: nil) else {
            throw SystemError(
                "--worker-of \(supervisor): not started by that supervisor with LISTEN_FDS=1 (it is internal; use --no-supervise to run unsupervised)",
                code: 0
            )
        }
        guard punctual_set_parent_death_signal(SIGTERM) == 0 else { throw SystemError("prctl(PR_SET_PDEATHSIG)") }
        // The supervisor may have died before the request took effect.
        guard getppid() == supervisor else { throw SystemError("the supervisor \(supervisor) is gone", code: ESRCH) }
        _ = fcntl(3, F_SETFD, FD_CLOEXEC)
    }

    /// `LISTEN_FDS=1`, and `LISTEN_PID` is `pid` (or, with nil, absent or this process).
    private static func isSocketActivated(expectingPID pid: Int32?) -> Bool {
        guard environment("LISTEN_FDS") == "1" else { return false }
        let listenPID = environment("LISTEN_PID").flatMap { Int32($0) }
        if let pid { return listenPID == pid }
        return listenPID == nil || listenPID == getpid()
    }

    private static func forgetSocketActivation() {
        for name in ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"] { unsetenv(name) }
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
