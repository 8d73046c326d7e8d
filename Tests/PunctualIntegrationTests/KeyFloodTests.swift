import Foundation
import PunctualTestSupport
import Testing

/// No sequence of requests can evict the last good values clients rely on: 100 000 new
/// keys, straight to the responder's socket over one kept-alive FastCGI connection.
@Suite(.serialized, .timeLimit(.minutes(5))) struct KeyFloodTests {
    static let knownKeys = ["alpha", "beta", "gamma"]

    /// Asks for `count` random new keys, and for every known key each `every` requests.
    static func flood(_ socketPath: String, count: Int, every: Int) async throws {
        try await offPool {
            let client = try FastCGIClient(unixSocket: socketPath)
            var generator = SystemRandomNumberGenerator()
            for index in 0..<count {
                let key = "flood-\(generator.next())"
                let reply = try client.request(params: FastCGIClient.nginxParams(query: "key=\(key)"))
                guard [200, 503, 504].contains(reply.status) else {
                    throw TestFailure("flood request \(index): status \(reply.status): \(reply.text)")
                }
                if index % every == 0 {
                    for known in knownKeys {
                        _ = try client.request(params: FastCGIClient.nginxParams(query: "key=\(known)"))
                    }
                }
            }
        }
    }

    /// Whether the default key and every known key answer from the cache.
    static func expectKnownValuesCached(_ fixture: PunctualFixture) async throws {
        let defaultKey = try await fixture.get()
        #expect(defaultKey.status == 200, "the default key: \(defaultKey.body)")
        #expect(try RecipeAnswer(defaultKey).cache, "the default key answers from the cache")
        for key in knownKeys {
            let reply = try await fixture.get("/retrieve-data?key=\(key)")
            #expect(reply.status == 200, "known key \(key) is still cached: \(reply.body)")
            #expect(reply.body.hasSuffix(#""cache":true}"#))
        }
    }

    @Test func aFloodOfNewKeysAgainstAHangingSourceEvictsNoValue() async throws {
        try await withTemporaryDirectory { directory in
            let cache = ["--cache-file", directory + "/cache.sqlite"]
            try await PunctualFixture.with(cache + ["--delay", "0", "--timeout", "2"]) { fixture in
                for key in Self.knownKeys {
                    #expect(try await fixture.get("/retrieve-data?key=\(key)").status == 200)
                }
                // A source that hangs, and one retrieval slot that it holds: every new key
                // is answered at once, without a value, and must not displace one.
                try await fixture.restart(
                    cache + [
                        "--delay", "3600", "--timeout", "0.05", "--on-timeout", "refresh", "--max-retrievals", "1",
                    ]
                )
                try await Self.flood(fixture.socketPath, count: 100_000, every: 1000)
                try await Self.expectKnownValuesCached(fixture)
            }
        }
    }

    @Test func aFloodOfNewKeysAgainstAFastSourceKeepsTheValuesInUse() async throws {
        try await withTemporaryDirectory { directory in
            let cache = ["--cache-file", directory + "/cache.sqlite"]
            try await PunctualFixture.with(cache + ["--delay", "0", "--timeout", "2"]) { fixture in
                #expect(!(try RecipeAnswer(try await fixture.get()).cache))
                // Every new key gets a value; the least recently used ones go, never the
                // default key's, nor those asked for now and then.
                try await Self.flood(fixture.socketPath, count: 100_000, every: 500)
                // Restarted on the same file with a source that always misses its deadline,
                // the last good values in use answer from the cache.
                try await fixture.restart(cache + ["--delay", "3600", "--timeout", "0.1"])
                try await Self.expectKnownValuesCached(fixture)
            }
        }
    }
}
