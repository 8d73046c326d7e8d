import FastCGI
import Foundation
import Logging
import PunctualTestSupport
import Testing

/// Answers larger than a socket's buffer, written as fast as the peer reads them.
@Suite(.serialized, .timeLimit(.minutes(1))) struct FastCGIWritingTests {
    /// Answers `size=N` (in the query) with N bytes of a pattern that shows any byte lost,
    /// doubled or moved.
    static let sizedHandler: FastCGIServer.Handler = { request in
        let size = request.query.split(separator: "=").last.flatMap { Int($0) } ?? 0
        return FastCGIResponse(status: 200, headers: [("Content-Type", "text/plain")], body: pattern(size))
    }

    static func pattern(_ size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 13) }
    }

    static func params(size: Int) -> [(String, String)] {
        FastCGIClient.nginxParams(query: "size=\(size)")
    }

    /// Runs a server with `writeTimeout` for the duration of `body`, then stops it.
    func withServer(
        writeTimeout: Duration = .seconds(30),
        handler: @escaping FastCGIServer.Handler = sizedHandler,
        _ body: (String, FastCGIServer) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/fcgi.sock"
            var configuration = FastCGIServer.Configuration(address: .unixSocket(path: path, mode: 0o600))
            configuration.writeTimeout = writeTimeout
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

    @Test(arguments: [1 << 20, 5 << 20])
    func aLargeAnswerArrivesWholeToAPeerThatReadsSlowly(size: Int) async throws {
        try await withServer { path, server in
            let reply = try await offPool {
                let client = try FastCGIClient(unixSocket: path)
                try client.send(FastCGIClient.requestRecords(params: Self.params(size: size)))
                return try client.readReplySlowly()
            }
            #expect(reply.status == 200)
            #expect(reply.headers["content-length"] == String(size))
            #expect(reply.body.count == size)
            #expect(reply.body == Self.pattern(size), "byte for byte")
            #expect(await eventually { server.statistics.requestsAnswered == 1 })
            #expect(server.statistics.requestsFailed == 0)
            #expect(server.statistics.requestsInFlight == 0)
        }
    }

    @Test func twoLargeAnswersBackToBackShareOneKeptConnection() async throws {
        try await withServer { path, server in
            let (replies, connections) = try await offPool {
                let client = try FastCGIClient(unixSocket: path)
                let replies = try [5 << 20, 1 << 20, 10].map { size in
                    try client.send(FastCGIClient.requestRecords(params: Self.params(size: size)))
                    return try client.readReplySlowly(initialPause: .milliseconds(100))
                }
                return (replies, server.statistics.connections)
            }
            #expect(replies.map(\.body.count) == [5 << 20, 1 << 20, 10])
            #expect(replies[0].body == Self.pattern(5 << 20))
            #expect(replies[1].body == Self.pattern(1 << 20))
            #expect(connections == 1, "one connection carried all three")
            #expect(await eventually { server.statistics.requestsAnswered == 3 })
        }
    }

    /// The framing file maps its first 4 MiB: an answer may lie within it, start in it and
    /// end past it, or follow a rewind; each is sent whole.
    @Test func answersAcrossTheFramingFilesMappingArriveWhole() async throws {
        let sizes = [900_000, 3_500_000, 10, 2_000_000, 10, 4 << 20, 10]
        try await withServer { path, server in
            let replies = try await offPool {
                let client = try FastCGIClient(unixSocket: path)
                return try sizes.map { size in
                    try client.send(FastCGIClient.requestRecords(params: Self.params(size: size)))
                    return try client.readReplySlowly(initialPause: .milliseconds(20))
                }
            }
            for (reply, size) in zip(replies, sizes) {
                #expect(reply.body == Self.pattern(size), "\(size) bytes, byte for byte")
            }
            #expect(await eventually { server.statistics.requestsAnswered == sizes.count })
            #expect(server.statistics.requestsFailed == 0)
        }
    }

    @Test func aLargeAnswerOnAConnectionNotKeptAliveIsWrittenWholeBeforeTheClose() async throws {
        try await withServer { path, server in
            let (reply, closed) = try await offPool {
                let client = try FastCGIClient(unixSocket: path)
                try client.send(
                    FastCGIClient.requestRecords(params: Self.params(size: 1 << 20), keepConnection: false)
                )
                return (try client.readReplySlowly(), client.isClosedByPeer())
            }
            #expect(reply.body == Self.pattern(1 << 20))
            #expect(closed)
            #expect(await eventually { server.statistics.connections == 0 })
            #expect(server.statistics.requestsAnswered == 1)
        }
    }

    @Test func aPeerThatNeverReadsIsClosedAfterTheWriteTimeoutWhileOthersAreServed() async throws {
        try await withServer(writeTimeout: .milliseconds(500)) { path, server in
            let (replies, failedInTime, closed) = try await offPool {
                let stuck = try FastCGIClient(unixSocket: path)
                try stuck.send(FastCGIClient.requestRecords(params: Self.params(size: 5 << 20)))
                // Meanwhile, others get their answers, large ones included.
                let replies = try [100, 1 << 20, 100].map { size in
                    let client = try FastCGIClient(unixSocket: path)
                    try client.send(FastCGIClient.requestRecords(params: Self.params(size: size)))
                    return try client.readReplySlowly(initialPause: .zero)
                }
                // Reading now would let the stuck answer move on: wait for the time-out first.
                let failedInTime = waitUntil { server.statistics.requestsFailed == 1 }
                return (replies, failedInTime, stuck.isClosedByPeer())
            }
            #expect(replies.map(\.body.count) == [100, 1 << 20, 100])
            #expect(failedInTime, "the stuck answer counts as failed")
            #expect(closed, "the stuck peer's connection was closed")
            #expect(server.statistics.requestsAnswered == 3, "the stuck answer does not count as answered")
            #expect(server.statistics.requestsInFlight == 0)
            #expect(await eventually { server.statistics.connections == 0 })
        }
    }

    @Test func aGracefulStopWaitsForAnAnswerStillBeingWritten() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/fcgi.sock"
            let server = try FastCGIServer(
                configuration: .init(address: .unixSocket(path: path, mode: 0o600)),
                logger: Logger(label: "test"),
                handler: Self.sizedHandler
            )
            let running = Task { try await server.run() }
            defer { server.stop() }
            let reply = try await offPool {
                let client = try FastCGIClient(unixSocket: path)
                try client.send(FastCGIClient.requestRecords(params: Self.params(size: 5 << 20)))
                _ = waitUntil { server.statistics.requestsInFlight == 1 }
                Thread.sleep(forTimeInterval: 0.1)  // the answer is being written by now
                server.stop()
                return try client.readReplySlowly()
            }
            #expect(reply.body == Self.pattern(5 << 20))
            try await running.value
            #expect(server.statistics.requestsAnswered == 1)
            #expect(server.statistics.requestsFailed == 0)
        }
    }
}

/// Polls `condition` from a test thread of its own (never the pool) for up to 10 s.
private func waitUntil(_ condition: () -> Bool) -> Bool {
    let deadline = Date() + 10
    while !condition() {
        guard Date() < deadline else { return false }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return true
}
