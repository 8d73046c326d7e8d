import FastCGI
import Foundation
import Logging
import PunctualTestSupport
import Synchronization
import Testing

/// Request limits that match the front-end's: bodies and parameters up to 1 MiB are read,
/// and beyond them the answer is a 413 (the handler's) or a JSON 431 (the server's).
@Suite(.serialized, .timeLimit(.minutes(1))) struct FastCGILimitsTests {
    /// Describes what reached it: the body's length and sum, and the cookie's length.
    static let describingHandler: FastCGIServer.Handler = { request in
        guard !request.bodyExceededLimit else {
            return FastCGIResponse(status: 413, headers: [("Content-Type", "application/json")])
        }
        let sum = request.body.reduce(0) { $0 &+ Int($1) }
        let text = "body=\(request.body.count) sum=\(sum) cookie=\(request.header("Cookie")?.utf8.count ?? 0)"
        return FastCGIResponse(status: 200, body: Array(text.utf8))
    }

    static func body(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    }

    static func params(cookie: Int) -> [(String, String)] {
        FastCGIClient.nginxParams() + [("HTTP_COOKIE", String(repeating: "c", count: cookie))]
    }

    func withServer(
        configure: (inout FastCGIServer.Configuration) -> Void = { _ in },
        handler: @escaping FastCGIServer.Handler = describingHandler,
        _ body: (String, FastCGIServer) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/fcgi.sock"
            var configuration = FastCGIServer.Configuration(address: .unixSocket(path: path, mode: 0o600))
            configure(&configuration)
            var logger = Logger(label: "test")
            logger.logLevel = .warning
            let server = try FastCGIServer(configuration: configuration, logger: logger, handler: handler)
            let running = Task { try await server.run() }
            defer { server.stop() }
            try await body(path, server)
            server.stop()
            try await running.value
        }
    }

    @Test func theDefaultsAreOneMebibyteEach() {
        let configuration = FastCGIServer.Configuration(address: .unixSocket(path: "/x", mode: 0o600))
        #expect(configuration.maxBodyBytes == 1 << 20)
        #expect(configuration.maxParamsBytes == 1 << 20)
    }

    @Test func aBodyOfOneMebibyteIsReadWhole() async throws {
        try await withServer { path, _ in
            let reply = try await offPool {
                try FastCGIClient(unixSocket: path).request(body: Self.body(1 << 20))
            }
            let sum = Self.body(1 << 20).reduce(0) { $0 &+ Int($1) }
            #expect(reply.status == 200)
            #expect(reply.text == "body=\(1 << 20) sum=\(sum) cookie=0")
        }
    }

    @Test func aBodyOverTheLimitIsFlaggedAnsweredAndDroppedAndTheServerKeepsServing() async throws {
        try await withServer { path, server in
            let (refused, closed, next) = try await offPool {
                let client = try FastCGIClient(unixSocket: path)
                let refused = try client.request(body: Self.body((1 << 20) + 1))
                return (refused, client.isClosedByPeer(), try FastCGIClient(unixSocket: path).request())
            }
            #expect(refused.status == 413)
            #expect(closed, "the connection closes once the rest of the body is dropped")
            #expect(next.status == 200)
            #expect(server.statistics.requestsAnswered == 2)
        }
    }

    @Test func parametersOfNearlyOneMebibyteReachTheHandler() async throws {
        try await withServer { path, _ in
            let reply = try await offPool {
                try FastCGIClient(unixSocket: path).request(params: Self.params(cookie: 1_000_000))
            }
            #expect(reply.status == 200)
            #expect(reply.text == "body=0 sum=0 cookie=1000000")
        }
    }

    @Test func parametersOverTheLimitAreAnsweredWithJSON431ByTheServer() async throws {
        let handled = Mutex(0)
        try await withServer(handler: { request in
            handled.withLock { $0 += 1 }
            return await Self.describingHandler(request)
        }) { path, server in
            let (refused, closed, next) = try await offPool {
                let client = try FastCGIClient(unixSocket: path)
                let refused = try client.request(params: Self.params(cookie: 1 << 20), body: Self.body(1000))
                return (refused, client.isClosedByPeer(), try FastCGIClient(unixSocket: path).request())
            }
            #expect(refused.status == 431)
            #expect(refused.headers["content-type"] == "application/json")
            #expect(refused.text == #"{"error":"request header fields too large"}"#)
            #expect(closed, "the connection closes once the rest of the request is dropped")
            #expect(next.status == 200, "the server keeps serving")
            #expect(handled.withLock { $0 } == 1, "the handler never saw the refused request")
            // Counted once written whole, which may be just after the client has read it.
            #expect(await eventually { server.statistics.requestsAnswered == 2 })
            #expect(server.statistics.connectionsRefused == 0, "answered, not dropped")
        }
    }

    @Test func smallerLimitsAreHonouredWhenTheWholeRequestFitsOnePeek() async throws {
        try await withServer(configure: {
            $0.maxParamsBytes = 2000
            $0.maxBodyBytes = 100
        }) { path, _ in
            let replies = try await offPool {
                [
                    try FastCGIClient(unixSocket: path).request(params: Self.params(cookie: 3000)),
                    try FastCGIClient(unixSocket: path).request(body: Self.body(101)),
                    try FastCGIClient(unixSocket: path).request(body: Self.body(100)),
                ]
            }
            #expect(replies.map(\.status) == [431, 413, 200])
        }
    }

    @Test func aLargeRequestArrivingInSmallPiecesIsReadWhole() async throws {
        try await withServer { path, _ in
            let reply = try await offPool {
                let client = try FastCGIClient(unixSocket: path)
                let bytes = FastCGIClient.requestRecords(params: Self.params(cookie: 70_000), body: Self.body(200_000))
                for start in stride(from: 0, to: bytes.count, by: 25_000) {
                    try client.send(Array(bytes[start..<min(start + 25_000, bytes.count)]))
                    Thread.sleep(forTimeInterval: 0.01)
                }
                return try client.readReply()
            }
            let sum = Self.body(200_000).reduce(0) { $0 &+ Int($1) }
            #expect(reply.text == "body=200000 sum=\(sum) cookie=70000")
        }
    }
}
