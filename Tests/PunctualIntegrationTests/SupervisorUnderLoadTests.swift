import Foundation
import PunctualTestSupport
import Testing

/// The supervisor through nginx under load: a worker that dies costs only the requests it
/// had in flight, and the next one serves the cache file's values within half a second.
@Suite(.serialized, .timeLimit(.minutes(4))) struct SupervisorUnderLoadTests {
    /// Answers `"<key>"`, or fails once `fail` exists in `directory`.
    static func keySource(in directory: String) throws -> String {
        try writeScript(
            directory + "/echo-key",
            """
            if [ -e "\(directory)/fail" ]; then exit 1; fi
            printf '"%s"' "$PUNCTUAL_KEY"
            """
        )
    }

    static let keys = (0..<20).map { "k\($0)" }

    /// SIGKILL is `kill -9` (or the OOM killer); SIGUSR2 with `--enable-test-crash` is a Swift trap.
    @Test(arguments: [SIGKILL, SIGUSR2])
    func aWorkerThatDiesUnderLoadIsReplacedWithinHalfASecond(signal: Int32) async throws {
        // PUNCTUAL_RESTART_SAMPLES=20 measures twenty restarts (about a minute) instead of one.
        let samples = Int(ProcessInfo.processInfo.environment["PUNCTUAL_RESTART_SAMPLES"] ?? "") ?? 1
        try await withTemporaryDirectory { directory in
            let arguments = [
                "--source", "command", "--command", try Self.keySource(in: directory),
                "--cache-file", directory + "/cache.sqlite", "--timeout", "2", "--retry-after", "60",
                "--enable-test-crash", "--log-level", "info",
            ]
            try await PunctualFixture.with(arguments) { fixture in
                let filled = try await fixture.concurrentKeys(Self.keys)
                #expect(filled.allSatisfy { $0.status == 200 && $0.body.hasSuffix(#""cache":false}"#) })
                // From now on the source fails: every value served comes from a cache, and
                // after a restart only the cache file can have it.
                try Data().write(to: URL(fileURLWithPath: directory + "/fail"))
                var worker = try await fixture.workerPID()
                let workers = (supervisor: fixture.punctual.pid, first: worker)
                let load = ClosedLoopLoad(port: fixture.port, clients: 200, pause: .milliseconds(20)) {
                    "/retrieve-data?key=k\($0 % 20)"
                }
                var kills: [ContinuousClock.Instant] = []
                for sample in 0..<samples {
                    // Apart enough that the back-off (more than 5 deaths in 10 s) never starts.
                    try await Task.sleep(for: sample == 0 ? .milliseconds(500) : .seconds(2.1))
                    if sample == 0 { Self.report(supervisor: workers.supervisor, worker: worker) }
                    kills.append(.now)
                    kill(worker, signal)
                    worker = try await fixture.nextWorker(after: worker)
                }
                try await Task.sleep(for: .seconds(1))
                let records = await load.stop()

                let recoveries = kills.enumerated().map { index, killedAt in
                    let end = index + 1 < kills.count ? kills[index + 1] : .now
                    let firstServed = records.filter {
                        $0.status == 200 && $0.startedAt >= killedAt && $0.startedAt < end
                    }
                    .map(\.endedAt).min()
                    return firstServed.map { $0 - killedAt } ?? .seconds(999)
                }
                let failed = records.filter { $0.status != 200 }
                let sorted = recoveries.sorted()
                print(
                    "supervisor restart after signal \(signal): \(records.count) requests, \(failed.count) failed; "
                        + "back after median \(sorted[sorted.count / 2]), worst \(sorted.last!) over \(samples) kill(s)"
                )
                #expect(records.count > 1000, "the load ran: \(records.count) requests")
                #expect(sorted.last! < .milliseconds(500), "served again within 500 ms: \(recoveries)")
                // A trap kills the worker only once the runtime has reported the crash
                // (a few hundred ms after the signal); SIGKILL at once.
                let dying: Duration = signal == SIGKILL ? .zero : .seconds(1)
                let inFlightAtAKill = failed.filter { record in
                    kills.contains { record.startedAt <= $0 + dying && record.endedAt >= $0 }
                }
                #expect(
                    inFlightAtAKill.count == failed.count,
                    "only requests in flight at a kill fail: \(failed.count - inFlightAtAKill.count) others did"
                )
                let failuresPerClient = Dictionary(grouping: failed, by: \.client).mapValues(\.count)
                #expect(
                    failuresPerClient.values.allSatisfy { $0 <= samples },
                    "at most one failure per client per kill"
                )

                let status = try await fixture.status()
                #expect(status["pid"] as? Int == Int(worker), "the new worker answers")
                #expect(status["restarts"] as? Int == samples)
                Self.report(supervisor: workers.supervisor, worker: worker)
                let served = try await fixture.concurrentKeys(Self.keys)
                for (reply, key) in zip(served.sorted { $0.body < $1.body }, Self.keys.sorted()) {
                    #expect(reply.body == #"{"message":"\#(key)","cache":true}"#, "the cache file's value")
                }
                #expect(fixture.punctual.log.contains(signal == SIGKILL ? "killed by signal 9" : "killed by signal"))
            }
        }
    }

    static func report(supervisor: Int32, worker: Int32) {
        print(
            "supervisor \(supervisor): \(residentKiB(pid: supervisor) ?? -1) KiB RSS, "
                + "\(openDescriptorCount(pid: supervisor)) fds, \(threadCount(pid: supervisor) ?? -1) threads; "
                + "worker \(worker): \(residentKiB(pid: worker) ?? -1) KiB RSS, "
                + "\(openDescriptorCount(pid: worker)) fds, \(threadCount(pid: worker) ?? -1) threads"
        )
    }

    @Test func sigtermDrainsFiftyWaitingRequestsThenLeavesNothingBehind() async throws {
        try await withTemporaryDirectory { directory in
            let cacheFile = directory + "/cache.sqlite"
            try await PunctualFixture.with(["--delay", "3", "--timeout", "2", "--cache-file", cacheFile]) { fixture in
                let worker = try await fixture.workerPID()
                let waiting = Task { try await fixture.concurrent(50) }
                let allWaiting = await eventually {
                    let requests = (try? await fixture.status())?["requests"] as? [String: Any]
                    return (requests?["in_flight"] as? Int ?? 0) >= 50
                }
                #expect(allWaiting, "50 requests wait for the slow retrieval")
                let stoppedAt = ContinuousClock.now
                fixture.punctual.signal(SIGTERM)
                let replies = try await waiting.value
                #expect(replies.count == 50)
                #expect(replies.allSatisfy { $0.status == 200 }, "statuses: \(replies.map(\.status))")
                #expect(await eventually(timeout: .seconds(10)) { !fixture.punctual.isRunning })
                #expect(fixture.punctual.exitStatus == 0, "\(fixture.punctual.log)")
                #expect(ContinuousClock.now - stoppedAt < .seconds(5), "within the deadline plus a margin")
                #expect(!FileManager.default.fileExists(atPath: fixture.socketPath), "the socket is removed")
                #expect(!isProcessAlive(worker), "no worker is left")
                #expect(childProcesses(of: fixture.punctual.pid).isEmpty)

                // What they were answered is in the cache file: a start whose source is always late serves it.
                let answered = try RecipeAnswer(replies[0])
                try await fixture.restart(["--delay", "60", "--timeout", "0.2", "--cache-file", cacheFile])
                let restored = try RecipeAnswer(try await fixture.get())
                #expect(restored.cache)
                #expect(restored.message == answered.message, "the cache file was written")
            }
        }
    }

    @Test func aWorkerDyingInALoopIsRestartedWithABackOff() async throws {
        try await PunctualFixture.with(["--delay", "0", "--timeout", "2", "--log-level", "info"]) { fixture in
            var worker = try await fixture.workerPID()
            for _ in 0..<7 {
                kill(worker, SIGKILL)
                worker = try await fixture.nextWorker(after: worker)
            }
            #expect(fixture.punctual.log.contains("backing off"), "\(fixture.punctual.log)")
            #expect(try await fixture.get().status == 200, "it serves again after the back-off")
            #expect(try await fixture.status()["restarts"] as? Int == 7)
        }
    }

    @Test func sighupReplacesTheWorkerWithoutARestartCount() async throws {
        try await PunctualFixture.with(["--delay", "0", "--timeout", "2"]) { fixture in
            let old = try await fixture.workerPID()
            fixture.punctual.signal(SIGHUP)
            let new = try await fixture.nextWorker(after: old)
            #expect(await eventually { !isProcessAlive(old) }, "the old worker ends")
            let status = try await fixture.status()
            #expect(status["pid"] as? Int == Int(new))
            #expect(status["restarts"] as? Int == 0)
        }
    }
}
