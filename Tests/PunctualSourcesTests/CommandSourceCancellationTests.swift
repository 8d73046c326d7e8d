import Foundation
import PunctualJSON
import PunctualSources
import PunctualTestSupport
import Testing

/// Cancelling a retrieval ends the command's whole process group before `retrieve` returns.
@Suite(.timeLimit(.minutes(2))) struct CommandSourceCancellationTests {
    /// Starts `script`, waits until it wrote `leader.pid` and `child.pid`, cancels the
    /// retrieval, and returns both IDs and how long `retrieve` took to return after that.
    private func cancelRunning(
        _ source: CommandSource,
        in folder: String
    ) async throws -> (leader: pid_t, child: pid_t, afterCancel: Duration) {
        let task = Task { try await source.retrieve("k") }
        let leader = await CommandScripts.pid(in: folder, "leader.pid")
        let child = await CommandScripts.pid(in: folder, "child.pid")
        let cancelled = ContinuousClock.now
        task.cancel()
        let result = await task.result
        let afterCancel = ContinuousClock.now - cancelled
        #expect(throws: CancellationError.self) { try result.get() }
        return (try #require(leader), try #require(child), afterCancel)
    }

    @Test("A cancelled command and the child it forked are gone when retrieve returns")
    func slowCommandIsKilled() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write(
                "echo $$ > \(folder)/leader.pid\nsleep 300 &\necho $! > \(folder)/child.pid\nwait",
                in: folder
            )
            let run = try await cancelRunning(
                try CommandSource.forTest(script, terminationGrace: .seconds(60)),
                in: folder
            )
            // SIGTERM ended it: nobody waited for the grace.
            #expect(run.afterCancel < .seconds(30))
            #expect(CommandScripts.doesNotExist(run.leader))
            #expect(await CommandScripts.becomesGone(run.child))
        }
    }

    @Test("A command that ignores SIGTERM is killed after the grace, its child too")
    func commandIgnoringTermIsKilledAfterTheGrace() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write(
                "trap '' TERM\necho $$ > \(folder)/leader.pid\nsleep 300 &\necho $! > \(folder)/child.pid\nwait",
                in: folder
            )
            let grace = Duration.milliseconds(500)
            let run = try await cancelRunning(try CommandSource.forTest(script, terminationGrace: grace), in: folder)
            #expect(run.afterCancel >= grace)
            #expect(CommandScripts.doesNotExist(run.leader))
            #expect(await CommandScripts.becomesGone(run.child))
        }
    }

    @Test("A child that ignores SIGTERM is killed even though the command itself obeyed it")
    func childIgnoringTermIsKilled() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write(
                """
                echo $$ > \(folder)/leader.pid
                sh -c "trap '' TERM; echo \\$\\$ > \(folder)/child.pid; exec sleep 300" &
                wait
                """,
                in: folder
            )
            let run = try await cancelRunning(
                try CommandSource.forTest(script, terminationGrace: .seconds(60)),
                in: folder
            )
            #expect(run.afterCancel < .seconds(30))
            #expect(CommandScripts.doesNotExist(run.leader))
            #expect(await CommandScripts.becomesGone(run.child))
        }
    }

    @Test("A retrieval cancelled before its command starts leaves nothing behind")
    func cancelledBeforeStarting() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write("echo $$ > \(folder)/leader.pid\nexec sleep 300", in: folder)
            let source = try CommandSource.forTest(script, terminationGrace: .seconds(60))
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await source.retrieve("k")
            }
            await #expect(throws: CancellationError.self) { try await task.value }
            if let leader = try? String(contentsOfFile: folder + "/leader.pid", encoding: .utf8),
                let pid = pid_t(leader.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                #expect(CommandScripts.doesNotExist(pid))
            }
        }
    }

    @Test("Runs that finish, fail or are cancelled leave no descriptor open")
    func noDescriptorLeaks() async throws {
        try await withTemporaryDirectory { folder in
            let fast = try CommandSource.forTest(try CommandScripts.write("echo 1", named: "fast.sh", in: folder))
            let slow = try CommandSource.forTest(
                try CommandScripts.write(
                    "echo $$ > \(folder)/slow-$1.pid\nexec sleep 300",
                    named: "slow.sh",
                    in: folder
                ),
                arguments: ["{key}"]
            )
            let failing = try CommandSource.forTest(try CommandScripts.write("exit 1", named: "failing.sh", in: folder))
            _ = try await fast.retrieve("warm-up")  // swift-subprocess opens its epoll descriptors once
            let before = openDescriptorCount()
            for round in 0..<5 {
                _ = try await fast.retrieve("k")
                _ = try? await failing.retrieve("k")
                let task = Task { try await slow.retrieve("\(round)") }
                #expect(await CommandScripts.pid(in: folder, "slow-\(round).pid") != nil)
                task.cancel()
                _ = await task.result
            }
            #expect(await eventually { openDescriptorCount() <= before })
        }
    }

    @Test("Commands waiting at once occupy no thread of the cooperative pool")
    func waitingCommandsDoNotBlockThePool() async throws {
        try await withTemporaryDirectory { folder in
            // Each waits for a file that only this test, on the pool, will create.
            let script = try CommandScripts.write(
                "echo $$ > \(folder)/started-$1\nwhile [ ! -f \(folder)/go ]; do sleep 0.05; done\necho $1",
                in: folder
            )
            let source = try CommandSource.forTest(script, arguments: ["{key}"])
            let count = 8
            try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<count {
                    group.addTask { try await source.retrieve("\(index)").description }
                }
                for index in 0..<count {
                    #expect(await CommandScripts.pid(in: folder, "started-\(index)") != nil)
                }
                try "".write(toFile: folder + "/go", atomically: true, encoding: .utf8)
                var values: Set<String> = []
                for try await value in group { values.insert(value) }
                #expect(values == Set((0..<count).map(String.init)))
            }
        }
    }
}
