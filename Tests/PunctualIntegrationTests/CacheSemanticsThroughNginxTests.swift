import Foundation
import PunctualTestSupport
import Testing

/// Keys, staleness limits, honest headers and clients that give up, end to end through nginx.
@Suite(.serialized, .timeLimit(.minutes(2))) struct CacheSemanticsThroughNginxTests {
    @Test func freshAndStaleAnswersSayWhatTheyAreInTheirHeaders() async throws {
        try await PunctualFixture.with(["--delay", "0.05", "--timeout", "2"]) { fixture in
            let fresh = try await fixture.get()
            #expect(fresh.headers["cache-status"] == "punctual; fwd=miss; stored")
            #expect(fresh.headers["age"] == nil)
        }
        try await PunctualFixture.with(["--delay", "3", "--timeout", "0.2"]) { fixture in
            let stale = try await fixture.get()
            #expect(try RecipeAnswer(stale).cache)
            #expect(stale.headers["cache-status"] == "punctual; hit; fwd=stale; detail=timeout")
            #expect(Int(stale.headers["age"] ?? "") != nil, "an Age in whole seconds")
        }
    }

    @Test func eachKeyHasItsOwnCachedValueAndAColdKeyTimesOutWith504() async throws {
        // Retrievals outlast the deadline but refresh the cache in the background.
        try await PunctualFixture.with(["--delay", "0.3", "--timeout", "0.1", "--on-timeout", "refresh"]) { fixture in
            let cold = try await fixture.get("/retrieve-data?key=a")
            #expect(cold.status == 504, "nothing cached yet for a new key")
            #expect(cold.headers["cache-status"] == "punctual; fwd=miss; detail=timeout")
            #expect(cold.body.contains(#""error""#))

            // Once the background retrieval has landed, key a is served from its own cache.
            var warm = try await fixture.get("/retrieve-data?key=a")
            let giveUp = ContinuousClock.now + .seconds(10)
            while warm.status != 200, ContinuousClock.now < giveUp {
                try await Task.sleep(for: .milliseconds(50))
                warm = try await fixture.get("/retrieve-data?key=a")
            }
            // Cached, or fresh if this request joined a retrieval just before it landed.
            #expect(warm.status == 200)

            #expect(
                try await fixture.get("/retrieve-data?key=b").status == 504,
                "key b has a cache of its own, still empty"
            )
            let defaultKey = try RecipeAnswer(try await fixture.get())
            #expect(defaultKey.cache, "no key is the seeded default key")
        }
    }

    @Test(arguments: ["key=%ff", "key=%zz", "key=", "key=" + String(repeating: "k", count: 257)])
    func aBadKeyIs400(query: String) async throws {
        try await PunctualFixture.with(["--delay", "0"]) { fixture in
            let reply = try await fixture.get("/retrieve-data?" + query)
            #expect(reply.status == 400)
            #expect(reply.headers["content-type"] == "application/json")
            #expect(reply.body.contains(#""error":"key"#))
        }
    }

    @Test func aValueOlderThanMaxStaleIsNotServed() async throws {
        try await PunctualFixture.with(["--delay", "3", "--timeout", "0.2", "--max-stale", "0"]) { fixture in
            let reply = try await fixture.get()
            #expect(reply.status == 504)
            #expect(reply.body == #"{"error":"data retrieval timed out and no value fresh enough is cached"}"#)
        }
    }

    @Test func aClientThatGivesUpIsReleasedAtOnce() async throws {
        try await PunctualFixture.with(["--delay", "3600", "--timeout", "20"]) { fixture in
            let pid = try await fixture.workerPID()
            let port = fixture.port
            let punctual = fixture.punctual
            let leftCount: @Sendable () -> Int = {
                punctual.log.components(separatedBy: "peer left before the answer").count - 1
            }
            // Like `curl --max-time 0.3`: send the request, give up, close. Once to warm up
            // (the runtime opens its timer descriptors on first use), once to measure.
            var descriptors = 0
            for round in 1...2 {
                try await offPool {
                    try HTTPClient.abandon(port: port, path: "/retrieve-data", after: .milliseconds(300))
                }
                let released = await eventually(timeout: .seconds(5)) { leftCount() == round }
                #expect(released, "the responder noticed long before the 20 s deadline:\n\(fixture.punctual.log)")
                if round == 1 {
                    try await Task.sleep(for: .milliseconds(200))
                    descriptors = openDescriptorCount(pid: pid)
                }
            }
            let baseline = descriptors
            let closed = await eventually { openDescriptorCount(pid: pid) <= baseline }
            #expect(closed, "and kept no descriptor for it: \(baseline) before, \(openDescriptorCount(pid: pid)) after")
        }
    }
}
