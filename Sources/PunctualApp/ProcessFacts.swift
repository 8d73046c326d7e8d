import Retrieval

#if canImport(Glibc)
import Glibc
#endif

/// What the status page says about the process itself: version, pid, start, restarts.
struct ProcessFacts: Sendable {
    /// Punctual's version, as `/status` and `/metrics` report it.
    static let version = "0.4.0"

    let pid: Int32
    let startedAt: WallTime
    let startedOnClock: ContinuousClock.Instant
    /// How many times a supervisor restarted the serving process before this one
    /// (`PUNCTUAL_WORKER_RESTARTS`, set by the supervising parent), 0 when unsupervised.
    let restarts: Int

    static func current() -> ProcessFacts {
        let restarts = getenv("PUNCTUAL_WORKER_RESTARTS").flatMap { Int(String(cString: $0)) } ?? 0
        return ProcessFacts(pid: getpid(), startedAt: .now(), startedOnClock: .now, restarts: restarts)
    }

    var uptime: Duration { .now - startedOnClock }

    /// `2026-12-02T10:15:00Z`: the start time in UTC, ISO 8601.
    var startTimeText: String {
        var seconds = time_t(startedAt.sinceEpoch.components.seconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}

extension Duration {
    /// Seconds, with a fraction.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
