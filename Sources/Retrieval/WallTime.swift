#if canImport(Glibc)
import Glibc
#endif

/// A point in wall-clock time (the system's real-time clock), as stores record it.
///
/// Deadlines and ages in the engine are measured on its own clock, which may be virtual
/// in tests and restarts at every boot; a value that outlives the process (a cache file,
/// a store shared by several hosts) carries the wall-clock time it was retrieved, so its
/// `Age` stays true after a restart or on another machine.
public struct WallTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Time since 1970-01-01 00:00:00 UTC.
    public var sinceEpoch: Duration

    public init(sinceEpoch: Duration) {
        self.sinceEpoch = sinceEpoch
    }

    /// The system's real-time clock now.
    public static func now() -> WallTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return WallTime(sinceEpoch: .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec))
    }

    /// How long after `self` the time `other` is (negative when it is before).
    public func duration(to other: WallTime) -> Duration {
        other.sinceEpoch - sinceEpoch
    }

    public func advanced(by duration: Duration) -> WallTime {
        WallTime(sinceEpoch: sinceEpoch + duration)
    }

    public static func < (lhs: WallTime, rhs: WallTime) -> Bool {
        lhs.sinceEpoch < rhs.sinceEpoch
    }

    /// Seconds since the epoch, with a fraction: `1764672000.25`.
    public var description: String {
        let (seconds, attoseconds) = sinceEpoch.components
        return "\(Double(seconds) + Double(attoseconds) / 1e18)"
    }
}
