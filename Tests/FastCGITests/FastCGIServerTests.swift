import FastCGI
import Foundation
import Logging
import PunctualTestSupport
import Synchronization
import Testing

/// The server in-process on a temporary Unix socket, spoken to with raw FastCGI records.
@Suite(.serialized, .timeLimit(.minutes(1))) struct FastCGIServerTests {
    /// Runs a server with `handler` for the duration of `body`, then stops it.
    func withServer(
        handler: @escaping FastCGIServer.Handler = { request in
            FastCGIResponse(
                status: 200,
                headers: [("Content-Type", "text/plain")],
                body: Array("echo \(request.path)".utf8)
            )
        },
        _ body: (String) async throws -> Void
    ) async throws {
        try await withServer(handler: handler) { path, _ in try await body(path) }
    }

    func withServer(
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

    /// A server on a Unix socket at `path`, for tests that stop it themselves.
    func makeServer(at path: String, handler: @escaping FastCGIServer.Handler) throws -> FastCGIServer {
        try FastCGIServer(
            configuration: .init(address: .unixSocket(path: path, mode: 0o600)),
            logger: Logger(label: "test"),
            handler: handler
        )
    }

    @Test func paramsAndBodyReachTheHandler() async throws {
        try await withServer(handler: { request in
            let text =
                "\(request.method) \(request.path) q=\(request.query) ua=\(request.header("User-Agent") ?? "-") body=\(String(decoding: request.body, as: UTF8.self))"
            return FastCGIResponse(status: 201, headers: [("X-Test", "yes")], body: Array(text.utf8))
        }) { path in
            let reply = try await offPool {
                try FastCGIClient(unixSocket: path).request(
                    params: FastCGIClient.nginxParams(method: "POST", path: "/things", query: "a=1"),
                    body: Array("payload".utf8)
                )
            }
            #expect(reply.status == 201)
            #expect(reply.headers["x-test"] == "yes")
            #expect(reply.headers["content-length"] == String(reply.body.count))
            #expect(reply.text == "POST /things q=a=1 ua=test body=payload")
        }
    }

    @Test func aKeptConnectionServesSeveralRequests() async throws {
        try await withServer { path in
            let replies = try await offPool {
                let client = try FastCGIClient(unixSocket: path)
                return try (0..<5).map { _ in try client.request() }
            }
            #expect(replies.map(\.status) == [200, 200, 200, 200, 200])
        }
    }

    @Test func aConnectionNotKeptAliveIsClosedAfterTheAnswer() async throws {
        try await withServer(handler: { _ in FastCGIResponse(status: 200) }) { path, server in
            let closed = try await offPool {
                let client = try FastCGIClient(unixSocket: path)
                _ = try client.request(keepConnection: false)
                return client.isClosedByPeer()
            }
            #expect(closed)
            #expect(await eventually { server.statistics.connections == 0 })
            #expect(server.statistics.requestsAnswered == 1)
            #expect(server.statistics.requestsAbandoned == 0, "an answered request is not an abandoned one")
            #expect(server.statistics.requestsInFlight == 0)
        }
    }

    @Test(arguments: [
        Array("GET /retrieve-data HTTP/1.1\r\nHost: x\r\n\r\n".utf8),
        [UInt8](repeating: 0xFF, count: 64),
        FastCGIClient.record(type: 9, id: 0, content: []),
    ])
    func badBytesCloseThatConnectionAndTheServerKeepsServing(bytes: [UInt8]) async throws {
        try await withServer { path in
            let (closed, reply) = try await offPool {
                let bad = try FastCGIClient(unixSocket: path)
                try bad.send(bytes)
                return (bad.isClosedByPeer(), try FastCGIClient(unixSocket: path).request())
            }
            #expect(closed)
            #expect(reply.status == 200)
        }
    }

    @Test func aStalledHalfRequestDoesNotHoldUpOthers() async throws {
        try await withServer { path in
            let reply = try await offPool {
                let stalled = try FastCGIClient(unixSocket: path)
                let request = FastCGIClient.requestRecords(params: FastCGIClient.nginxParams())
                try stalled.send(Array(request.prefix(request.count / 2)))
                let replies = try (0..<3).map { _ in try FastCGIClient(unixSocket: path).request() }
                // The stalled one is still waiting, not refused: it finishes its request late.
                try stalled.send(Array(request.dropFirst(request.count / 2)))
                return (replies, try stalled.readReply())
            }
            #expect(reply.0.allSatisfy { $0.status == 200 })
            #expect(reply.1.status == 200)
        }
    }

    @Test func aClientThatLeavesCancelsItsHandler() async throws {
        let cancelled = Mutex(0)
        try await withServer(handler: { _ in
            // Waits until cancelled (never returns on its own).
            let stream = AsyncStream<Void> { _ in }
            for await _ in stream {}
            if Task.isCancelled { cancelled.withLock { $0 += 1 } }
            return FastCGIResponse(status: 503)
        }) { path, server in
            try await offPool {
                for _ in 0..<20 {
                    let client = try FastCGIClient(unixSocket: path)
                    try client.send(FastCGIClient.requestRecords(params: FastCGIClient.nginxParams()))
                }
            }
            #expect(await eventually { cancelled.withLock { $0 } == 20 }, "every handler saw its client leave")
            #expect(await eventually { server.statistics.requestsAbandoned == 20 })
            #expect(await eventually { server.statistics.connections == 0 }, "every connection is closed")
            #expect(server.statistics.requestsInFlight == 0)
        }
    }

    @Test func aLargeBodyIsFlaggedForTheHandlerToRefuse() async throws {
        try await withServer(handler: { request in
            FastCGIResponse(status: request.bodyExceededLimit ? 413 : 200)
        }) { path in
            let reply = try await offPool {
                try FastCGIClient(unixSocket: path).request(body: [UInt8](repeating: 1, count: (1 << 20) + 1))
            }
            #expect(reply.status == 413)
        }
    }

    @Test func gracefulStopAnswersRequestsInFlight() async throws {
        let started = Mutex(false)
        try await withTemporaryDirectory { directory in
            let path = directory + "/fcgi.sock"
            let server = try makeServer(at: path) { _ in
                started.withLock { $0 = true }
                try? await Task.sleep(for: .milliseconds(300))
                return FastCGIResponse(status: 200, body: Array("late but answered".utf8))
            }
            let running = Task { try await server.run() }
            async let reply = offPool { try FastCGIClient(unixSocket: path).request() }
            #expect(await eventually { started.withLock { $0 } })
            server.stop()
            let answer = try await reply
            #expect(answer.text == "late but answered")
            try await running.value
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func cancellingAGracefulStopCancelsTheHandlersStillRunning() async throws {
        let started = Mutex(false)
        try await withTemporaryDirectory { directory in
            let path = directory + "/fcgi.sock"
            let server = try makeServer(at: path) { _ in
                started.withLock { $0 = true }
                // Never returns on its own: a graceful stop alone would wait for it forever.
                for await _ in AsyncStream<Void>(unfolding: { try? await Task.sleep(for: .seconds(3600)) }) {}
                return FastCGIResponse(status: 503, body: Array("cancelled".utf8))
            }
            let running = Task { try await server.run() }
            async let reply = offPool { try FastCGIClient(unixSocket: path).request() }
            #expect(await eventually { started.withLock { $0 } })
            server.stop()
            running.cancel()  // what ServiceGroup does once maximumGracefulShutdownDuration has passed
            try await running.value
            let answer = try await reply
            #expect(answer.text == "cancelled", "the handler was cancelled and its answer still written")
        }
    }

    @Test func aStaleSocketFileIsReplacedButALiveServerIsLeftAlone() async throws {
        try await withServer { path in
            // A second server on the same path must refuse, not steal the socket.
            #expect(throws: SystemError.self) {
                try makeServer(at: path) { _ in
                    FastCGIResponse(status: 200)
                }
            }
            let reply = try await offPool { try FastCGIClient(unixSocket: path).request() }
            #expect(reply.status == 200)
        }
        try await withTemporaryDirectory { directory in
            // A socket file nobody listens on (left by a crash) is replaced.
            let path = directory + "/stale.sock"
            let fd = try Sockets.bindUnix(path: path)
            close(fd)
            let server = try makeServer(at: path) { _ in
                FastCGIResponse(status: 204)
            }
            let running = Task { try await server.run() }
            let reply = try await offPool { try FastCGIClient(unixSocket: path).request() }
            #expect(reply.status == 204)
            server.stop()
            try await running.value
        }
    }
}
