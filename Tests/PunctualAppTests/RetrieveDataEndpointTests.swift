import PunctualJSON
import FastCGI
import Logging
@testable import PunctualApp
import Retrieval
import Testing

/// The endpoint's answers for each kind of outcome: status, JSON body, `Age` and `Cache-Status`.
@Suite struct RetrieveDataEndpointTests {
    struct Failure: Error {}

    func answer(
        query: String = "",
        policy: RetrievalPolicy = .init(timeout: .seconds(1)),
        seed: Bool = true,
        source: @escaping @Sendable (String) async throws -> JSONFragment
    ) async -> FastCGIResponse {
        let clock = ContinuousClock()
        let engine = RetrievalEngine(policy: policy, clock: clock, timers: Timers(clock: clock), source: source)
        if seed { engine.seed(JSONFragment(number: 0.25), for: RetrievalKey.defaultKey) }
        let endpoint = RetrieveDataEndpoint(engine: engine, logger: Logger(label: "test"))
        return await endpoint.answer(FastCGIRequest(params: ["QUERY_STRING": query]))
    }

    func header(_ response: FastCGIResponse, _ name: String) -> String? {
        response.headers.first { $0.name == name }?.value
    }

    @Test func aFreshAnswerIsStoredAndHasNoAge() async {
        let response = await answer { _ in JSONFragment(number: 0.5) }
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"message":0.5,"cache":false}"#)
        #expect(header(response, "Cache-Status") == "punctual; fwd=miss; stored")
        #expect(header(response, "Age") == nil)
    }

    @Test func aFailedRetrievalServesTheCacheWithItsAgeAndReason() async {
        let response = await answer { _ in throw Failure() }
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"message":0.25,"cache":true}"#)
        #expect(header(response, "Cache-Status") == "punctual; hit; fwd=stale; detail=error")
        #expect(header(response, "Age") == "0")
    }

    @Test func aColdKeyThatFailsIs502() async {
        let response = await answer(query: "key=cold") { _ in throw Failure() }
        #expect(response.status == 502)
        #expect(header(response, "Cache-Status") == "punctual; fwd=miss; detail=error")
    }

    @Test func aBadKeyIs400() async {
        let response = await answer(query: "key=%ff") { _ in JSONFragment(number: 0.5) }
        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"error":"key is not valid UTF-8"}"#)
    }

    @Test func overTheLimitWithNothingCachedIs503WithRetryAfter() async throws {
        let clock = ContinuousClock()
        let (started, signal) = AsyncStream<Void>.makeStream()
        let engine = RetrievalEngine<String, JSONFragment, ContinuousClock>(
            policy: .init(timeout: .seconds(30), maxConcurrentRetrievals: 1),
            clock: clock,
            timers: Timers(clock: clock)
        ) { _ in
            signal.yield()
            try await Task.sleep(for: .seconds(3600))
            return JSONFragment(number: 0.5)
        }
        let endpoint = RetrieveDataEndpoint(engine: engine, logger: Logger(label: "test"))
        let busy = Task { await endpoint.answer(FastCGIRequest(params: ["QUERY_STRING": "key=busy"])) }
        defer { busy.cancel() }
        for await _ in started { break }

        let response = await endpoint.answer(FastCGIRequest(params: ["QUERY_STRING": "key=other"]))
        #expect(response.status == 503)
        #expect(header(response, "Retry-After") == "1")
        #expect(header(response, "Cache-Status") == "punctual; fwd=miss; detail=overloaded")
    }

    @Test func cacheStatusSaysWhetherARetrievalRan() {
        typealias Endpoint = RetrieveDataEndpoint<ContinuousClock>
        #expect(Endpoint.cacheStatus(servedFromCacheBecause: .timeout) == "punctual; hit; fwd=stale; detail=timeout")
        #expect(Endpoint.cacheStatus(servedFromCacheBecause: .overloaded) == "punctual; hit; detail=overloaded")
        #expect(
            Endpoint.cacheStatus(servedFromCacheBecause: .backingOff(after: Failure()))
                == "punctual; hit; detail=retry-after"
        )
    }
}
