import FastCGI
import Foundation
import Logging
import PunctualTestSupport
import Testing

/// The I/O executor made first, and the server built around it and a handler.
@Suite(.serialized, .timeLimit(.minutes(1))) struct FastCGIExecutorTests {
    @Test func workGivenTheExecutorRunsOnTheThreadThatRunsTheHandlers() async throws {
        let executor = try FastCGIExecutor()
        // What an engine built before the server would do: run its work on `executor`.
        let handler: FastCGIServer.Handler = { _ in
            let handlerThread = pthread_self()
            let workThread = await Task(executorPreference: executor) { pthread_self() }.value
            return FastCGIResponse(status: pthread_equal(handlerThread, workThread) != 0 ? 200 : 500)
        }
        try await withTemporaryDirectory { directory in
            let path = directory + "/fcgi.sock"
            let server = try FastCGIServer(
                configuration: .init(address: .unixSocket(path: path, mode: 0o600)),
                logger: Logger(label: "test"),
                executor: executor,
                handler: handler
            )
            let running = Task { try await server.run() }
            defer { server.stop() }
            let reply = try await offPool { try FastCGIClient(unixSocket: path).request() }
            #expect(reply.status == 200, "the handler and the work it started ran on one thread")
            server.stop()
            try await running.value
        }
    }

    @Test func anExecutorServesOneServerOnly() async throws {
        let executor = try FastCGIExecutor()
        try await withTemporaryDirectory { directory in
            let first = try FastCGIServer(
                configuration: .init(address: .unixSocket(path: directory + "/a.sock", mode: 0o600)),
                logger: Logger(label: "test"),
                executor: executor
            ) { _ in FastCGIResponse(status: 200) }
            #expect(throws: SystemError.self) {
                try FastCGIServer(
                    configuration: .init(address: .unixSocket(path: directory + "/b.sock", mode: 0o600)),
                    logger: Logger(label: "test"),
                    executor: executor
                ) { _ in FastCGIResponse(status: 200) }
            }
            #expect(first.isLocalOnly)
        }
    }

    @Test func workEnqueuedAfterTheServerEndedStillRuns() async throws {
        let executor = try FastCGIExecutor()
        try await withTemporaryDirectory { directory in
            let server = try FastCGIServer(
                configuration: .init(address: .unixSocket(path: directory + "/fcgi.sock", mode: 0o600)),
                logger: Logger(label: "test"),
                executor: executor
            ) { _ in FastCGIResponse(status: 200) }
            let running = Task { try await server.run() }
            server.stop()
            try await running.value
        }
        let value = await Task(executorPreference: executor) { 42 }.value
        #expect(value == 42, "jobs go to the global executor once the I/O thread has ended")
    }
}
