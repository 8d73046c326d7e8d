/// How long the supervisor waits before it starts a new worker after one died.
///
/// A worker that dies now and then is replaced at once: that is the point of the
/// supervisor. One that dies in a loop (a bad deployment, a value that crashes every
/// worker that restores it) would otherwise be restarted as fast as the machine can fork,
/// burning the CPU that the rest of the machine needs. So: more than `deathsBeforeBackOff`
/// deaths within `window` starts a back-off of `firstDelay`, doubled at each further death
/// up to `longestDelay`, until a worker lives `healthyLifetime`, which forgives everything.
struct RestartBackoff {
    static let window: Duration = .seconds(10)
    static let deathsBeforeBackOff = 5
    static let firstDelay: Duration = .milliseconds(100)
    static let longestDelay: Duration = .seconds(5)
    static let healthyLifetime: Duration = .seconds(10)

    /// When the workers died that count towards a back-off: those within `window`.
    private var deaths: [ContinuousClock.Instant] = []
    /// The wait before the next start; zero while no back-off is in force.
    private(set) var delay: Duration = .zero

    /// Deaths within the window, as the last `delayAfterDeath` counted them.
    var recentDeaths: Int { deaths.count }

    /// Records that a worker which ran for `lifetime` died at `now`, and returns how long
    /// to wait before starting the next one (zero: at once).
    mutating func delayAfterDeath(at now: ContinuousClock.Instant, lifetime: Duration) -> Duration {
        if lifetime >= Self.healthyLifetime {
            deaths.removeAll()
            delay = .zero
        }
        deaths.append(now)
        deaths.removeAll { now - $0 > Self.window }
        if delay > .zero {
            delay = min(delay * 2, Self.longestDelay)
        } else if deaths.count > Self.deathsBeforeBackOff {
            delay = Self.firstDelay
        }
        return delay
    }
}
