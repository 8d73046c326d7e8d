import Foundation
import PunctualTestSupport
import Testing

/// The body and parameter limits, as options, through the real nginx: a body within the
/// limit is read and ignored, beyond either limit the answer is JSON (413, 431), never a
/// dropped connection that nginx would turn into a 502.
@Suite struct LimitsThroughNginxTests {
    private func request(_ fixture: PunctualFixture, headers: String = "", body: [UInt8] = []) async throws -> HTTPReply
    {
        let head =
            "GET /retrieve-data HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\(headers)"
            + (body.isEmpty ? "" : "Content-Length: \(body.count)\r\n") + "\r\n"
        let port = fixture.port
        return try await offPool { try HTTPClient.send(port: port, request: Array(head.utf8) + body) }
    }

    @Test func aGETBodyWithinTheLimitIsIgnoredAndOneBeyondItIs413() async throws {
        try await PunctualFixture.with(["--delay", "0", "--max-body-bytes", "4096"]) { fixture in
            let within = try await request(fixture, body: [UInt8](repeating: 0x61, count: 4000))
            #expect(within.status == 200, "\(within.body)")
            #expect(within.body.contains(#""cache":false"#))

            let beyond = try await request(fixture, body: [UInt8](repeating: 0x61, count: 8000))
            #expect(beyond.status == 413, "\(beyond.body)")
            #expect(beyond.headers["content-type"] == "application/json")
            #expect(beyond.body.contains("too large"))

            let after = try await fixture.get()
            #expect(after.status == 200, "still serving")
        }
    }

    @Test func parametersBeyondTheLimitAreA431NotA502() async throws {
        try await PunctualFixture.with(["--delay", "0", "--max-params-bytes", "4096"]) { fixture in
            let cookie = String(repeating: "c", count: 6000)
            let beyond = try await request(fixture, headers: "Cookie: big=\(cookie)\r\n")
            #expect(beyond.status == 431, "\(beyond.body)")
            #expect(beyond.headers["content-type"] == "application/json")

            let within = try await request(fixture, headers: "Cookie: small=\(String(cookie.prefix(1000)))\r\n")
            #expect(within.status == 200, "\(within.body)")
        }
    }
}
