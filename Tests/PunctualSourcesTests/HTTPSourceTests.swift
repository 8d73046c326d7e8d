import Logging
import PunctualHTTPSource
import PunctualJSON
import PunctualTestSupport
import Testing

@Suite(.timeLimit(.minutes(1))) struct HTTPSourceTests {
    @Test func aFreshValueIsTheBodyAsItCame() async throws {
        try await withTestHTTPServer(route: { _ in .json(#"{"a":[1,2]}"#) }) { server in
            try await withHTTPSource(url: "http://127.0.0.1:\(server.port)/values/{key}") { source in
                let value = try await source.retrieve("k")
                #expect(value.description == #"{"a":[1,2]}"#)
                #expect(server.record.requestPaths == ["/values/k"])
            }
        }
    }

    @Test(arguments: [
        ("a/b c?é", "a%2Fb%20c%3F%C3%A9"),
        ("A-z_0.9~", "A-z_0.9~"),
        ("#&=+%", "%23%26%3D%2B%25"),
    ])
    func theKeyArrivesPercentEncoded(key: String, encoded: String) async throws {
        try await withTestHTTPServer(route: { _ in .json("1") }) { server in
            try await withHTTPSource(url: "http://127.0.0.1:\(server.port)/values/{key}?of={key}") { source in
                _ = try await source.retrieve(key)
                #expect(server.record.requestPaths == ["/values/\(encoded)?of=\(encoded)"])
            }
        }
    }

    @Test func aBodyOfExactlyTheCapIsTheValue() async throws {
        try await withTestHTTPServer(route: { _ in .json(#""12345678""#) }) { server in
            try await withHTTPSource(url: "http://127.0.0.1:\(server.port)/{key}", maxValueBytes: 10) { source in
                let value = try await source.retrieve("k")
                #expect(value.description == #""12345678""#)
            }
        }
    }

    @Test(arguments: [404, 500, 503])
    func aStatusOutsideTheTwoHundredsIsAFailure(status: Int) async throws {
        let route = TestHTTPServer.Route.fixed(status: status, body: Array(#"{"error":"no"}"#.utf8))
        try await withTestHTTPServer(route: { _ in route }) { server in
            try await withHTTPSource(url: "http://127.0.0.1:\(server.port)/{key}") { source in
                await #expect(throws: HTTPSource.Failure.status(status)) { try await source.retrieve("k") }
                #expect("\(HTTPSource.Failure.status(status))" == "status \(status)")
            }
        }
    }

    @Test func aBodyThatIsNotJSONIsAFailure() async throws {
        try await withTestHTTPServer(route: { _ in .json("<html>no</html>") }) { server in
            try await withHTTPSource(url: "http://127.0.0.1:\(server.port)/{key}") { source in
                let error = await #expect(throws: HTTPSource.Failure.self) { try await source.retrieve("k") }
                guard case .notJSON = error else {
                    Issue.record("expected a not-JSON failure, got \(String(describing: error))")
                    return
                }
                #expect("\(error!)".hasPrefix("not a JSON value: "))
            }
        }
    }

    /// With a `Content-Length` the client refuses at the head; without one it streams
    /// and stops at the cap.
    @Test(arguments: [true, false])
    func aBodyOverTheCapIsAFailure(contentLength: Bool) async throws {
        let twoMiB = Array("\"".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 2 << 20 - 2) + Array("\"".utf8)
        let route = TestHTTPServer.Route.fixed(status: 200, body: twoMiB, contentLength: contentLength)
        try await withTestHTTPServer(route: { _ in route }) { server in
            try await withHTTPSource(url: "http://127.0.0.1:\(server.port)/{key}") { source in
                await #expect(throws: HTTPSource.Failure.bodyTooLarge(limit: 1 << 20)) {
                    try await source.retrieve("k")
                }
                #expect("\(HTTPSource.Failure.bodyTooLarge(limit: 1 << 20))" == "body over 1048576 bytes")
            }
        }
    }

    @Test func aRefusedConnectionIsAFailure() async throws {
        let port = try freeLoopbackPort()
        try await withHTTPSource(url: "http://127.0.0.1:\(port)/{key}") { source in
            let error = await #expect(throws: HTTPSource.Failure.connectionRefused("127.0.0.1:\(port)")) {
                try await source.retrieve("k")
            }
            #expect(error.map { "\($0)" } == "connection refused: 127.0.0.1:\(port)")
        }
    }
}

/// Runs `body` with an `HTTPSource` for `url`, and shuts its client down afterwards,
/// whether `body` succeeded or not.
func withHTTPSource<T>(
    url: String,
    maxValueBytes: Int = 1 << 20,
    requestTimeout: Duration = .seconds(30),
    _ body: (HTTPSource) async throws -> T
) async throws -> T {
    let source = try HTTPSource(
        urlTemplate: url,
        maxValueBytes: maxValueBytes,
        requestTimeout: requestTimeout,
        logger: Logger(label: "HTTPSourceTests")
    )
    do {
        let result = try await body(source)
        try await source.shutdown()
        return result
    } catch {
        try await source.shutdown()
        throw error
    }
}
