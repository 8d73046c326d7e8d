import Foundation
import PunctualTestSupport
import Testing

/// What callers ask for in their headers, through the real nginx: their own deadline,
/// the cache only, a young enough value, and values refreshed ahead under steady load.
@Suite struct ClientDirectivesThroughNginxTests {
    private func get(
        _ fixture: PunctualFixture,
        _ headers: String,
        path: String = "/retrieve-data"
    ) async throws -> HTTPReply {
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\(headers)\r\n"
        let port = fixture.port
        return try await offPool { try HTTPClient.send(port: port, request: Array(request.utf8)) }
    }

    private func retrievalsStarted(_ fixture: PunctualFixture) async throws -> Int? {
        let status = try await fixture.get("/status")
        let json = try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any]
        return (json?["retrievals"] as? [String: Any])?["started"] as? Int
    }

    @Test func preferWaitShortensTheDeadlineAndSaysSo() async throws {
        try await PunctualFixture.with(["--timeout", "5", "--delay", "10"]) { fixture in
            let reply = try await get(fixture, "Prefer: wait=0.2\r\n")
            #expect(reply.status == 200)
            #expect(reply.body.contains(#""cache":true"#))
            #expect(reply.headers["preference-applied"] == "wait=0.2")
            #expect(reply.latency < .seconds(2), "answered at about 0.2 s, not at the 5 s deadline: \(reply.latency)")
            #expect(reply.latency >= .milliseconds(190))
        }
    }

    @Test func onlyIfCachedNeverStartsTheSource() async throws {
        try await PunctualFixture.with(["--timeout", "1", "--delay", "0"]) { fixture in
            let cached = try await get(fixture, "Cache-Control: only-if-cached\r\n")
            #expect(cached.status == 200, "the seed is cached")
            #expect(cached.body.contains(#""cache":true"#))
            let missing = try await get(
                fixture,
                "Cache-Control: only-if-cached\r\n",
                path: "/retrieve-data?key=none-yet"
            )
            #expect(missing.status == 504)
            #expect(missing.headers["content-type"] == "application/json")
            #expect(try await retrievalsStarted(fixture) == 0, "no retrieval for only-if-cached")
        }
    }

    @Test func maxAgeAnswersAtOnceFromTheCache() async throws {
        try await PunctualFixture.with(["--timeout", "3", "--delay", "10"]) { fixture in
            let reply = try await get(fixture, "Cache-Control: max-age=3600\r\n")
            #expect(reply.status == 200)
            #expect(reply.headers["cache-status"] == "punctual; hit")
            #expect(reply.latency < .seconds(2), "no wait for the 3 s deadline: \(reply.latency)")
            #expect(try await retrievalsStarted(fixture) == 0)
        }
    }

    @Test func refreshAheadKeepsEveryAnswerAHitWhileTheSourceIsSlow() async throws {
        // Fresh for 2 s, refreshed after 1 s; the source takes 0.5 s, longer than the deadline.
        try await PunctualFixture.with(
            [
                "--timeout", "0.1", "--delay", "0.5", "--fresh-for", "2", "--refresh-ahead", "0.5", "--on-timeout",
                "refresh",
            ]
        ) { fixture in
            // The seed is young at start, so a hit; from 1 s old, a hit also starts a
            // background refresh, which lands 0.5 s later: no caller ever waits for it.
            _ = try await fixture.get()
            try await Task.sleep(for: .milliseconds(800))
            var statuses: [String] = []
            for _ in 0..<20 {
                let reply = try await fixture.get()
                statuses.append(reply.headers["cache-status"] ?? "?")
                try await Task.sleep(for: .milliseconds(150))
            }
            #expect(statuses.allSatisfy { $0 == "punctual; hit" }, "\(statuses)")
            #expect(try await retrievalsStarted(fixture) ?? 0 >= 2, "refreshed ahead at least once")
        }
    }
}
