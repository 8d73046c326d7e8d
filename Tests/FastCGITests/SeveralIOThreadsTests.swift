import FastCGI
import Foundation
import Logging
import PunctualTestSupport
import Synchronization
import Testing

/// A server with several I/O threads: connections handed out in turn, every thread
/// drained by a graceful stop, and a client that leaves one thread's request disturbing
/// no other's.
@Suite(.serialized, .timeLimit(.minutes(1))) struct SeveralIOThreadsTests {
    /// The name of the thread running this code.
    static func threadName() -> String {
        (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
    }

    private func withServer(
        threads: Int,
        handler: @escaping FastCGIServer.Handler,
        _ body: (String, FastCGIServer) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/fcgi.sock"
            var logger = Logger(label: "test")
            logger.logLevel = .warning
            let server = try FastCGIServer(
                configuration: .init(address: .unixSocket(path: path, mode: 0o600)),
                logger: logger,
                executors: try (0..<threads).map { _ in try FastCGIExecutor() },
                handler: handler
            )
            let running = Task { try await server.run() }
            defer { server.stop() }
            try await body(path, server)
            server.stop()
            try await running.value
            #expect(!FileManager.default.fileExists(atPath: path), "the socket is removed on stop")
        }
    }

    @Test func connectionsAreHandedToEachThreadInTurn() async throws {
        try await withServer(
            threads: 3,
            handler: { _ in
                FastCGIResponse(status: 200, body: Array(Self.threadName().utf8))
            }
        ) { path, _ in
            let names = try await offPool {
                try (0..<6).map { _ in try FastCGIClient(unixSocket: path).request().text }
            }
            #expect(Set(names) == ["fcgi-io", "fcgi-io-1", "fcgi-io-2"], "\(names)")
            #expect(names.filter { $0 == "fcgi-io-2" }.count == 2)
        }
    }

    @Test func workARequestStartsRunsOnItsOwnThread() async throws {
        try await withServer(
            threads: 2,
            handler: { _ in
                let handlerThread = Self.threadName()
                let current = FastCGIExecutor.current
                let workThread = await Task(executorPreference: current) { Self.threadName() }.value
                return FastCGIResponse(status: current != nil && handlerThread == workThread ? 200 : 500)
            }
        ) { path, _ in
            let statuses = try await offPool {
                try (0..<4).map { _ in try FastCGIClient(unixSocket: path).request().status }
            }
            #expect(statuses == [200, 200, 200, 200])
            #expect(FastCGIExecutor.current == nil, "no executor is current off the I/O threads")
        }
    }

    @Test func aGracefulStopAnswersWhatWaitsOnEveryThread() async throws {
        let started = Atomic<Int>(0)
        try await withTemporaryDirectory { directory in
            let path = directory + "/fcgi.sock"
            let server = try FastCGIServer(
                configuration: .init(address: .unixSocket(path: path, mode: 0o600)),
                logger: Logger(label: "test"),
                executors: try (0..<2).map { _ in try FastCGIExecutor() }
            ) { _ in
                started.add(1, ordering: .relaxed)
                try? await Task.sleep(for: .milliseconds(300))
                return FastCGIResponse(status: 200, body: Array(Self.threadName().utf8))
            }
            let running = Task { try await server.run() }
            defer { server.stop() }
            let replies = Task {
                try await withThrowingTaskGroup(of: FastCGIReply.self) { group in
                    for _ in 0..<6 {
                        group.addTask { try await offPool { try FastCGIClient(unixSocket: path).request() } }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(await eventually { started.load(ordering: .relaxed) == 6 })
            server.stop()
            let answered = try await replies.value
            #expect(answered.map(\.status) == Array(repeating: 200, count: 6))
            #expect(Set(answered.map(\.text)) == ["fcgi-io", "fcgi-io-1"], "both threads had requests waiting")
            try await running.value
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func aClientThatLeavesDisturbsNoOtherThread() async throws {
        try await withServer(
            threads: 2,
            handler: { _ in
                try? await Task.sleep(for: .milliseconds(200))
                return FastCGIResponse(status: 200)
            }
        ) { path, server in
            let kept = try await offPool {
                let records = FastCGIClient.requestRecords(params: FastCGIClient.nginxParams(), body: [])
                let staying = try FastCGIClient(unixSocket: path)
                do {
                    // Its own connection, so the other thread's: sent, then gone, as a
                    // `kill -9`ed nginx worker would.
                    let leaving = try FastCGIClient(unixSocket: path)
                    try leaving.send(records)
                }
                try staying.send(records)
                return try staying.readReply()
            }
            #expect(kept.status == 200)
            #expect(await eventually { server.statistics.requestsAbandoned == 1 })
            let again = try await offPool { try FastCGIClient(unixSocket: path).request() }
            #expect(again.status == 200)
        }
    }
}
