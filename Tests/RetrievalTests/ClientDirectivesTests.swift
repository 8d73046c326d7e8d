import Synchronization
import Testing

@testable import Retrieval

/// What each caller may ask beyond the policy (`RetrievalRequest`), on the manual clock:
/// exact deadlines, which value is served, and when a retrieval starts and when none does.
@Suite(.timeLimit(.minutes(1)))
struct ClientDirectivesTests {
    /// An engine seeded at 0 s with "seed" for "k", over a source that counts its calls and
    /// sleeps `sourceTakes` on the timers before answering "new".
    private func engine(
        clock: ManualClock,
        timers: Timers<ManualClock>,
        policy: RetrievalPolicy = RetrievalPolicy(timeout: .seconds(5), retryAfter: .zero),
        sourceTakes: Duration = .seconds(10),
        calls: SourceCalls
    ) -> TestEngine {
        let engine = TestEngine(policy: policy, clock: clock, timers: timers) { _ in
            calls.bump()
            try await timers.sleep(for: sourceTakes)
            return "new"
        }
        engine.seed("seed", for: "k")
        return engine
    }

    private func start(_ engine: TestEngine, _ request: RetrievalRequest, clock: ManualClock) -> Task<Answer, any Error>
    {
        Task {
            let outcome = try await engine.retrieve("k", request)
            return (outcome, clock.now)
        }
    }

    @Test func theCallersDeadlineReplacesThePolicys() async throws {
        let calls = SourceCalls()
        try await withTimers { clock, timers in
            let engine = engine(clock: clock, timers: timers, calls: calls)
            let short = start(engine, RetrievalRequest(deadline: .milliseconds(200)), clock: clock)
            await waitForPendingTimers(timers, count: 3)  // the budget, the source's sleep, the deadline
            clock.advance(to: .init(.milliseconds(200)))
            let answer = try await short.value
            #expect(answer.at == .init(.milliseconds(200)))
            #expect(answer.outcome.summary == .cached("seed", age: .milliseconds(200), reason: .timeout))
        }
    }

    @Test func maxAgeAnswersAYoungEnoughValueWithoutARetrieval() async throws {
        let calls = SourceCalls()
        try await withTimers { clock, timers in
            let engine = engine(clock: clock, timers: timers, calls: calls)
            clock.advance(to: .seconds(3))
            let young = try await engine.retrieve("k", RetrievalRequest(maxAge: .seconds(5)))
            #expect(young.summary == .hit("seed", age: .seconds(3)))
            #expect(calls.count == 0, "no retrieval for a hit")

            let old = start(engine, RetrievalRequest(maxAge: .seconds(2)), clock: clock)
            await waitForPendingTimers(timers, count: 3)
            #expect(calls.count == 1, "older than max-age: the usual path")
            clock.advance(to: .seconds(8))
            let oldAnswer = try await old.value.outcome.summary
            #expect(oldAnswer == .cached("seed", age: .seconds(8), reason: .timeout))
        }
    }

    @Test func minFreshNarrowsAHit() async throws {
        let calls = SourceCalls()
        try await withTimers { clock, timers in
            let engine = engine(clock: clock, timers: timers, calls: calls)
            clock.advance(to: .seconds(3))
            let narrowed = start(engine, RetrievalRequest(maxAge: .seconds(5), minFresh: .seconds(3)), clock: clock)
            await waitForPendingTimers(timers, count: 3)
            #expect(calls.count == 1, "3 s old, fresh for 2 s more: not the 3 asked for")
            clock.advance(to: .seconds(8))
            _ = try await narrowed.value
        }
    }

    @Test func maxStaleRefusesAnOlderFallbackToThisCallerOnly() async throws {
        let calls = SourceCalls()
        try await withTimers { clock, timers in
            let engine = engine(clock: clock, timers: timers, calls: calls)
            clock.advance(to: .seconds(10))
            let strict = start(engine, RetrievalRequest(maxStale: .seconds(12)), clock: clock)
            let lenient = start(engine, RetrievalRequest(), clock: clock)
            await waitForPendingTimers(timers, count: 4)
            clock.advance(to: .seconds(15))
            let strictAnswer = try await strict.value.outcome.summary
            let lenientAnswer = try await lenient.value.outcome.summary
            #expect(strictAnswer == .unavailable(reason: .timeout), "15 s old > 12 s")
            #expect(lenientAnswer == .cached("seed", age: .seconds(15), reason: .timeout))
            #expect(calls.count == 1, "both shared one retrieval")
        }
    }

    @Test func onlyIfCachedNeverStartsARetrieval() async throws {
        let calls = SourceCalls()
        try await withTimers { clock, timers in
            let engine = engine(clock: clock, timers: timers, calls: calls)
            clock.advance(to: .seconds(40))
            let cached = try await engine.retrieve("k", RetrievalRequest(onlyIfCached: true))
            #expect(cached.summary == .cached("seed", age: .seconds(40), reason: .onlyIfCached))
            let missing = try await engine.retrieve("other", RetrievalRequest(onlyIfCached: true))
            #expect(missing.summary == .unavailable(reason: .onlyIfCached))
            let tooOld = try await engine.retrieve("k", RetrievalRequest(maxStale: .seconds(30), onlyIfCached: true))
            #expect(tooOld.summary == .unavailable(reason: .onlyIfCached))
            #expect(calls.count == 0)
        }
    }

    @Test func freshForServesHitsAndNoCacheOverridesIt() async throws {
        let calls = SourceCalls()
        try await withTimers { clock, timers in
            let policy = RetrievalPolicy(timeout: .seconds(5), retryAfter: .zero, freshFor: .seconds(10))
            let engine = engine(clock: clock, timers: timers, policy: policy, calls: calls)
            clock.advance(to: .seconds(2))
            let outcome1 = try await engine.retrieve("k").summary
            #expect(outcome1 == .hit("seed", age: .seconds(2)))
            #expect(calls.count == 0)
            let noCache = start(engine, RetrievalRequest(noCache: true), clock: clock)
            await waitForPendingTimers(timers, count: 3)
            #expect(calls.count == 1, "no-cache always tries a retrieval first")
            clock.advance(to: .seconds(7))
            _ = try await noCache.value
        }
    }

    @Test func aHitPastRefreshAheadStartsOneBackgroundRefresh() async throws {
        let calls = SourceCalls()
        try await withTimers { clock, timers in
            let policy = RetrievalPolicy(
                timeout: .seconds(5),
                retryAfter: .zero,
                freshFor: .seconds(10),
                refreshAhead: 0.5
            )
            let engine = engine(clock: clock, timers: timers, policy: policy, sourceTakes: .seconds(3), calls: calls)
            clock.advance(to: .seconds(4))
            let outcome2 = try await engine.retrieve("k").summary
            #expect(outcome2 == .hit("seed", age: .seconds(4)))
            #expect(calls.count == 0, "before half of fresh-for: no refresh")
            clock.advance(to: .seconds(6))
            let outcome3 = try await engine.retrieve("k").summary
            #expect(outcome3 == .hit("seed", age: .seconds(6)))
            let outcome4 = try await engine.retrieve("k").summary
            #expect(outcome4 == .hit("seed", age: .seconds(6)))
            await waitForPendingTimers(timers, count: 2)  // the refresh's budget and its sleep
            #expect(calls.count == 1, "one refresh, however many hits")
            #expect(engine.statistics.refreshesAheadStarted == 1)
            clock.advance(to: .seconds(9))
            while engine.cached("k")?.value != "new" { await Task.yield() }
            let outcome5 = try await engine.retrieve("k").summary
            #expect(outcome5 == .hit("new", age: .zero), "the refresh landed in time")
        }
    }
}

/// How many times a source was called.
final class SourceCalls: Sendable {
    private let calls = Atomic<Int>(0)
    var count: Int { calls.load(ordering: .relaxed) }
    func bump() { calls.add(1, ordering: .relaxed) }
}
