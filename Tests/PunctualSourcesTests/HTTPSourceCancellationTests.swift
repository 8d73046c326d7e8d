import PunctualHTTPSource
import PunctualTestSupport
import Testing

@Suite(.timeLimit(.minutes(1))) struct HTTPSourceCancellationTests {
    @Test func cancellingARetrievalAbortsItsRequestAndClosesTheConnection() async throws {
        try await withTestHTTPServer(route: { _ in .hang }) { server in
            try await withHTTPSource(url: "http://127.0.0.1:\(server.port)/slow/{key}") { source in
                let retrieval = Task { try await source.retrieve("k") }
                #expect(await eventually { server.record.hangingConnections == 1 })
                let cancelledAt = ContinuousClock.now
                retrieval.cancel()
                let result = await retrieval.result
                #expect(ContinuousClock.now - cancelledAt < .seconds(5))
                #expect(throws: CancellationError.self) { try result.get() }
                // Before the client shuts down, which would close it anyway.
                #expect(await eventually { server.record.closedByClient == ["/slow/k"] })
                #expect(server.record.hangingConnections == 0)
            }
        }
    }

    @Test func aRequestThatOutlivesItsTimeOutIsAFailureAndIsClosed() async throws {
        try await withTestHTTPServer(route: { _ in .hang }) { server in
            try await withHTTPSource(
                url: "http://127.0.0.1:\(server.port)/slow/{key}",
                requestTimeout: .milliseconds(300)
            ) { source in
                await #expect(throws: HTTPSource.Failure.timedOut(.milliseconds(300))) {
                    try await source.retrieve("k")
                }
                #expect(await eventually { server.record.closedByClient == ["/slow/k"] })
            }
        }
    }

    /// The time-out covers the body too, not only the head.
    @Test func aBodyThatNeverEndsIsCutOffAtTheTimeOut() async throws {
        // The head and three bytes of a ten-byte body arrive, the rest never does.
        let route = TestHTTPServer.Route.stall(contentLength: 10, bodyStart: Array("[1,".utf8))
        try await withTestHTTPServer(route: { _ in route }) { server in
            try await withHTTPSource(
                url: "http://127.0.0.1:\(server.port)/{key}",
                requestTimeout: .milliseconds(300)
            ) { source in
                await #expect(throws: HTTPSource.Failure.timedOut(.milliseconds(300))) {
                    try await source.retrieve("k")
                }
                #expect(await eventually { server.record.closedByClient == ["/k"] })
            }
        }
    }
}
