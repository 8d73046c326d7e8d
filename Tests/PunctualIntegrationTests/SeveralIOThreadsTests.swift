import Foundation
import PunctualTestSupport
import Testing

/// `--io-threads`: the binary behind nginx with several I/O threads.
@Suite struct SeveralIOThreadsThroughNginxTests {
    @Test func aKeyAskedForFromEveryThreadStartsOneRetrieval() async throws {
        try await PunctualFixture.with(["--io-threads", "3", "--delay", "30", "--timeout", "1"]) { fixture in
            // 30 requests at once reach Punctual on as many connections, spread over the
            // three threads; each waits for the same key's one retrieval, and gets the cache.
            let replies = try await fixture.concurrent(30, path: "/retrieve-data?key=shared")
            #expect(replies.allSatisfy { $0.status == 200 || $0.status == 504 }, "\(replies.map(\.status))")
            let status = try await fixture.get("/status")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any])
            let retrievals = try #require(json["retrievals"] as? [String: Any])
            #expect(retrievals["started"] as? Int == 1, "\(status.body)")
        }
    }

    @Test func eachThreadAnswersOnTime() async throws {
        try await PunctualFixture.with(["--io-threads", "2", "--delay", "0.05", "--timeout", "2"]) { fixture in
            let replies = try await fixture.concurrent(40)
            #expect(replies.allSatisfy { $0.status == 200 })
            #expect(replies.allSatisfy { $0.body.contains(#""cache":false"#) }, "fresh from both threads")
        }
    }
}
