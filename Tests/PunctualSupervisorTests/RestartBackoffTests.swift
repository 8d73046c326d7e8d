import Testing

@testable import PunctualSupervisor

/// The back-off's arithmetic: at once for a few deaths, then 100 ms doubling to 5 s, until
/// a worker lives 10 s.
@Suite struct RestartBackoffTests {
    let start = ContinuousClock.now

    @Test func fiveQuickDeathsAreRestartedAtOnce() {
        var backoff = RestartBackoff()
        for second in 0..<5 {
            #expect(
                backoff.delayAfterDeath(at: start + .milliseconds(second * 100), lifetime: .milliseconds(50)) == .zero
            )
        }
    }

    @Test func theSixthDeathWithinTenSecondsBacksOffAndEachFurtherOneDoublesUpToFiveSeconds() {
        var backoff = RestartBackoff()
        var now = start
        for _ in 0..<5 {
            _ = backoff.delayAfterDeath(at: now, lifetime: .milliseconds(50))
            now += .milliseconds(100)
        }
        var delays: [Duration] = []
        for _ in 0..<10 {
            let delay = backoff.delayAfterDeath(at: now, lifetime: .milliseconds(50))
            delays.append(delay)
            now += delay + .milliseconds(50)
        }
        #expect(
            delays == [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000].map { Duration.milliseconds($0) }
        )
    }

    @Test func deathsSpreadOverMoreThanTenSecondsNeverBackOff() {
        var backoff = RestartBackoff()
        for index in 0..<50 {
            #expect(backoff.delayAfterDeath(at: start + .seconds(index * 3), lifetime: .seconds(2)) == .zero)
        }
    }

    @Test func aWorkerThatLivedTenSecondsEndsTheBackOff() {
        var backoff = RestartBackoff()
        var now = start
        for _ in 0..<8 {
            now += backoff.delayAfterDeath(at: now, lifetime: .milliseconds(10)) + .milliseconds(10)
        }
        #expect(backoff.delay > .zero)
        now += .seconds(10)
        #expect(backoff.delayAfterDeath(at: now, lifetime: .seconds(10)) == .zero)
        #expect(backoff.delay == .zero)
        #expect(backoff.recentDeaths == 1)
    }
}

/// `waitpid` statuses, decoded as Linux encodes them.
@Suite struct WorkerExitTests {
    @Test(arguments: [
        (Int32(0), WorkerExit.exited(code: 0)), (78 << 8, .exited(code: 78)), (9, .killed(signal: 9)),
        (4 | 0x80, .killed(signal: 4)),
    ])
    func statusesDecode(status: Int32, expected: WorkerExit) {
        #expect(WorkerExit(waitStatus: status) == expected)
    }
}
