#if canImport(Glibc)
import Glibc
#endif

/// How a worker ended, decoded from the status `waitpid` reports.
enum WorkerExit: Equatable, CustomStringConvertible {
    /// It called `exit(code)`.
    case exited(code: Int32)
    /// A signal ended it (SIGKILL from `kill -9` or the OOM killer, SIGILL from a Swift trap).
    case killed(signal: Int32)

    /// The exit code with which a worker says it cannot start with this configuration
    /// (`EX_CONFIG`): starting it again would fail again, so the supervisor stops too.
    static let configurationErrorCode: Int32 = 78

    /// Decodes a `waitpid` status (the `WIFEXITED`/`WTERMSIG` macros, which Swift cannot import).
    init(waitStatus status: Int32) {
        if status & 0x7f == 0 {
            self = .exited(code: (status >> 8) & 0xff)
        } else {
            self = .killed(signal: status & 0x7f)
        }
    }

    var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .killed(let signal): "killed by signal \(signal) (\(String(cString: strsignal(signal))))"
        }
    }
}
