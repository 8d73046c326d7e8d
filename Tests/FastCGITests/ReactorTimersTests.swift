import FastCGI
import Foundation
import Logging
import PunctualTestSupport
import Synchronization
import Testing

/// Deadlines fired from the I/O thread's own wait: in order, on that thread, never when
/// cancelled, and on time when one earlier than the reactor's sleep arrives from elsewhere.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ReactorTimersTests {
    /// A minimal timer list: what the engine's `Timers` give the reactor, kept simple.
    final class TestTimers: ReactorTimers {
        struct Entry {
            let name: String
            let deadline: ContinuousClock.Instant
        }

        let pending = Mutex<[Entry]>([])
        /// The names fired, in order, with whether they fired on the I/O thread and how late.
        let fired = Mutex<[(name: String, thread: String, late: Duration)]>([])
        let ended = Atomic<Bool>(false)

        func add(_ name: String, at deadline: ContinuousClock.Instant) {
            pending.withLock { $0.append(Entry(name: name, deadline: deadline)) }
        }

        func cancel(_ name: String) {
            pending.withLock { $0.removeAll { $0.name == name } }
        }

        func fireDue(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
            let due = pending.withLock { pending in
                let due = pending.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
                pending.removeAll { $0.deadline <= now }
                return due
            }
            let thread =
                (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            for entry in due {
                fired.withLock { $0.append((entry.name, thread, now - entry.deadline)) }
            }
            return pending.withLock { $0.map(\.deadline).min() }
        }

        func driverEnded() {
            ended.store(true, ordering: .relaxed)
        }
    }

    private func withDrivenServer(_ body: (FastCGIExecutor, TestTimers) async throws -> Void) async throws {
        let executor = try FastCGIExecutor()
        let timers = TestTimers()
        executor.drive(timers)
        try await withTemporaryDirectory { directory in
            let server = try FastCGIServer(
                configuration: .init(address: .unixSocket(path: directory + "/fcgi.sock", mode: 0o600)),
                logger: Logger(label: "test"),
                executor: executor
            ) { _ in FastCGIResponse(status: 200) }
            let running = Task { try await server.run() }
            defer { server.stop() }
            try await body(executor, timers)
            server.stop()
            try await running.value
            let ended = timers.ended.load(ordering: .relaxed)
            #expect(ended, "the timers learn that the I/O thread has ended")
        }
    }

    @Test func deadlinesFireInOrderOnTheIOThread() async throws {
        try await withDrivenServer { executor, timers in
            let now = ContinuousClock.now
            for (name, offset) in [("c", 90), ("a", 30), ("b", 60)] {
                timers.add(name, at: now + .milliseconds(offset))
                executor.wake(by: now + .milliseconds(offset))
            }
            #expect(await eventually { timers.fired.withLock { $0.count } == 3 })
            let fired = timers.fired.withLock { $0 }
            #expect(fired.map(\.name) == ["a", "b", "c"])
            #expect(fired.allSatisfy { $0.thread == "fcgi-io" }, "\(fired.map(\.thread))")
        }
    }

    @Test func aCancelledDeadlineNeverFires() async throws {
        try await withDrivenServer { executor, timers in
            let now = ContinuousClock.now
            timers.add("cancelled", at: now + .milliseconds(50))
            timers.add("kept", at: now + .milliseconds(100))
            executor.wake(by: now + .milliseconds(50))
            timers.cancel("cancelled")
            #expect(await eventually { timers.fired.withLock { $0.count } == 1 })
            try await Task.sleep(for: .milliseconds(100))
            #expect(timers.fired.withLock { $0.map(\.name) } == ["kept"])
        }
    }

    @Test func anEarlierDeadlineWakesAReactorThatSleepsPastIt() async throws {
        try await withDrivenServer { executor, timers in
            let start = ContinuousClock.now
            // The reactor learns of a deadline far away and goes to sleep until then
            // (at most its one-second round)...
            timers.add("far", at: start + .seconds(30))
            executor.wake(by: start + .seconds(30))
            try await Task.sleep(for: .milliseconds(50))
            // ...then one 20 ms away arrives from another thread.
            let soon = ContinuousClock.now + .milliseconds(20)
            timers.add("soon", at: soon)
            executor.wake(by: soon)
            #expect(await eventually { timers.fired.withLock { $0.count } == 1 })
            let fired = timers.fired.withLock { $0 }
            #expect(fired.map(\.name) == ["soon"])
            // Generous: fired at its deadline (to the millisecond here), not at the next
            // one-second round of the reactor.
            #expect(fired[0].late < .milliseconds(500), "fired \(fired[0].late) late")
        }
    }
}
