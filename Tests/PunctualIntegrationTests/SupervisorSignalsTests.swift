import Foundation
import PunctualTestSupport
import Testing

/// The supervising parent's signals and exit codes, spoken to directly over FastCGI.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SupervisorSignalsTests {
    /// Starts `punctual` (the supervisor) on a socket in a fresh folder; kills it afterwards.
    func withSupervisor(
        _ arguments: [String],
        _ body: (_ supervisor: ChildProcess, _ socketPath: String) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let socketPath = directory + "/punctual.sock"
            let supervisor = try ChildProcess(
                builtProduct("punctual"),
                ["--socket", socketPath] + arguments,
                logPath: directory + "/punctual.log"
            )
            defer { supervisor.kill() }
            try await body(supervisor, socketPath)
        }
    }

    func worker(of supervisor: ChildProcess) async throws -> Int32 {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let pid = childProcesses(of: supervisor.pid).first(where: isProcessAlive) { return pid }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestFailure("no worker:\n\(supervisor.log)")
    }

    func request(_ socketPath: String, path: String = "/retrieve-data") async throws -> FastCGIReply {
        try await offPool {
            try FastCGIClient(unixSocket: socketPath, timeout: .seconds(60)).request(
                params: FastCGIClient.nginxParams(path: path)
            )
        }
    }

    @Test func aSecondSignalStopsAtOnceWithoutDraining() async throws {
        try await withSupervisor(["--delay", "60", "--timeout", "30"]) { supervisor, socketPath in
            let worker = try await worker(of: supervisor)
            #expect(try await request(socketPath, path: "/status").status == 200)
            let waiting = Task { try? await request(socketPath) }
            try await Task.sleep(for: .milliseconds(200))
            supervisor.signal(SIGTERM)
            try await Task.sleep(for: .milliseconds(300))
            #expect(supervisor.isRunning, "the first signal drains: the request waits up to 30 s")
            let secondAt = ContinuousClock.now
            supervisor.signal(SIGINT)
            #expect(await eventually(timeout: .seconds(5)) { !supervisor.isRunning })
            #expect(ContinuousClock.now - secondAt < .seconds(3), "at once, not after the deadline")
            #expect(supervisor.exitStatus == 128 + SIGINT, "128 + the second signal's number:\n\(supervisor.log)")
            #expect(!isProcessAlive(worker))
            #expect(!FileManager.default.fileExists(atPath: socketPath), "the socket is removed")
            _ = await waiting.value
        }
    }

    @Test func aSIGTERMWhileTheWorkerStartsIsAStopToo() async throws {
        try await withSupervisor(["--delay", "0"]) { supervisor, socketPath in
            _ = try await worker(of: supervisor)
            supervisor.signal(SIGTERM)
            #expect(await eventually { !supervisor.isRunning })
            #expect(supervisor.exitStatus == 0, "\(supervisor.log)")
            #expect(!FileManager.default.fileExists(atPath: socketPath))
        }
    }

    @Test func aWorkerThatCannotStartWithItsConfigurationStopsTheSupervisorWith78() async throws {
        try await withSupervisor(["--cache-file", "/dev/null/cache.sqlite"]) { supervisor, socketPath in
            #expect(await eventually { !supervisor.isRunning }, "\(supervisor.log)")
            #expect(supervisor.exitStatus == 78, "EX_CONFIG, as the worker said:\n\(supervisor.log)")
            #expect(supervisor.log.contains("not restarting"))
            #expect(supervisor.log.components(separatedBy: "worker started").count == 2, "started once")
            #expect(!FileManager.default.fileExists(atPath: socketPath), "the socket is removed")
        }
    }

    @Test func aKilledSupervisorTakesItsWorkerWithIt() async throws {
        try await withSupervisor(["--delay", "0"]) { supervisor, socketPath in
            let worker = try await worker(of: supervisor)
            #expect(try await request(socketPath).status == 200)
            supervisor.kill()
            #expect(await eventually { !isProcessAlive(worker) }, "the worker gets SIGTERM when its parent dies")
        }
    }

    @Test func theWorkerLogsItsPidAndRoleAndHidesTheSocketVariablesFromCommands() async throws {
        try await withTemporaryDirectory { directory in
            let script = try writeScript(
                directory + "/env",
                #"printf '"%s|%s|%s"' "${LISTEN_FDS-unset}" "${LISTEN_PID-unset}" "$PUNCTUAL_WORKER_RESTARTS""#
            )
            try await withSupervisor(["--source", "command", "--command", script]) { supervisor, socketPath in
                let worker = try await worker(of: supervisor)
                let reply = try await request(socketPath)
                #expect(reply.text == #"{"message":"unset|unset|0","cache":false}"#)
                #expect(supervisor.log.contains("pid=\(worker)") && supervisor.log.contains("role=worker"))
                #expect(supervisor.log.contains("pid=\(supervisor.pid)") && supervisor.log.contains("role=supervisor"))
                #expect(await supervisor.stop() == 0)
            }
        }
    }
}
