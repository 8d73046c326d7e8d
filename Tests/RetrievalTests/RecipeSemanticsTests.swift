import Testing

@testable import Retrieval

/// What `retrieve()` answers, and when, for sources that are fast, slow or failing.
@Suite(.timeLimit(.minutes(1)))
struct RecipeSemanticsTests {
    @Test("A source that answers in time gives a fresh value, which becomes the cached one")
    func freshInTime() async throws {
        try await withTimers { clock, timers in
            let retriever = TestRetriever(
                timeout: .seconds(5),
                seed: "seed",
                clock: clock,
                timers: timers,
                source: sleepingSource(.seconds(1), returning: "fresh", timers: timers)
            )

            let retrieval = startRetrieval(retriever, on: clock)
            await clock.waitForSleeper(until: .seconds(1))
            clock.advance(to: .seconds(1))
            let answer = try await retrieval.value

            #expect(answer.outcome.summary == .fresh("fresh"))
            #expect(answer.at == .seconds(1))
            let cached = try #require(retriever.cached)
            #expect(cached.value == "fresh")
            #expect(cached.age == .zero)
            #expect(timers.pendingCount == 0)
        }
    }

    @Test("A source still running at the deadline is cancelled and the seed is returned exactly then")
    func lateSourceFallsBackAtTheDeadline() async throws {
        try await withTimers { clock, timers in
            let ended = CountdownLatch()
            let cancellations = Recorder<Bool>()
            let retriever = TestRetriever(
                timeout: .seconds(5),
                seed: "seed",
                clock: clock,
                timers: timers,
                source: sleepingSource(
                    .seconds(10),
                    returning: "late",
                    timers: timers,
                    ended: ended,
                    cancellations: cancellations
                )
            )

            let retrieval = startRetrieval(retriever, on: clock)
            await clock.waitForSleeper(until: .seconds(5))
            clock.advance(to: .seconds(5))
            let answer = try await retrieval.value

            #expect(answer.outcome.summary == .cached("seed", age: .seconds(5), reason: .timeout))
            #expect(answer.at == .seconds(5))
            await ended.wait()
            #expect(cancellations.elements == [true])
            #expect(timers.pendingCount == 0)
            #expect(retriever.cached?.value == "seed")
        }
    }

    @Test("A source that ignores cancellation still lets the caller answer at the deadline")
    func sourceIgnoringCancellationCannotDelayTheAnswer() async throws {
        try await withTimers { clock, timers in
            let gate = CountdownLatch()
            let ended = CountdownLatch()
            let retriever = TestRetriever(
                timeout: .seconds(5),
                seed: "seed",
                clock: clock,
                timers: timers,
                source: {
                    defer { ended.countDown() }
                    await gate.waitIgnoringCancellation()
                    return "late"
                }
            )

            let retrieval = startRetrieval(retriever, on: clock)
            await clock.waitForSleeper(until: .seconds(5))
            clock.advance(to: .seconds(5))
            let answer = try await retrieval.value

            #expect(answer.outcome.summary == .cached("seed", age: .seconds(5), reason: .timeout))
            #expect(answer.at == .seconds(5))
            gate.countDown()
            await ended.wait()
            #expect(retriever.cached?.value == "seed")
        }
    }

    @Test("A source that throws gives the cached value with the error, at once")
    func failingSourceFallsBackWithTheError() async throws {
        try await withTimers { clock, timers in
            let retriever = TestRetriever(
                timeout: .seconds(5),
                seed: "seed",
                clock: clock,
                timers: timers,
                source: { throw SourceFailure() }
            )
            clock.advance(to: .seconds(2))

            let outcome = try await retriever.retrieve()

            #expect(outcome.summary == .cached("seed", age: .seconds(2), reason: .error("source failed")))
            #expect(clock.now == .seconds(2))
            #expect(timers.pendingCount == 0)
        }
    }

    @Test("With nothing cached, a failing source gives unavailable with the error")
    func failingSourceWithoutCacheIsUnavailable() async throws {
        try await withTimers { clock, timers in
            let retriever = TestRetriever(
                timeout: .seconds(5),
                seed: nil,
                clock: clock,
                timers: timers,
                source: { throw SourceFailure() }
            )

            let outcome = try await retriever.retrieve()

            #expect(outcome.summary == .unavailable(reason: .error("source failed")))
            #expect(retriever.cached == nil)
            #expect(timers.pendingCount == 0)
        }
    }

    @Test("With nothing cached, a late source gives unavailable with timeout at the deadline")
    func lateSourceWithoutCacheIsUnavailable() async throws {
        try await withTimers { clock, timers in
            let retriever = TestRetriever(
                timeout: .seconds(5),
                seed: nil,
                clock: clock,
                timers: timers,
                source: sleepingSource(.seconds(10), returning: "late", timers: timers)
            )

            let retrieval = startRetrieval(retriever, on: clock)
            await clock.waitForSleeper(until: .seconds(5))
            clock.advance(to: .seconds(5))
            let answer = try await retrieval.value

            #expect(answer.outcome.summary == .unavailable(reason: .timeout))
            #expect(answer.at == .seconds(5))
            #expect(retriever.cached == nil)
        }
    }

    @Test("The latest fresh value is what later fallbacks return, with its age")
    func latestFreshValueIsTheFallback() async throws {
        try await withTimers { clock, timers in
            let calls = Recorder<String>()
            let retriever = TestRetriever(
                timeout: .seconds(5),
                seed: "seed",
                clock: clock,
                timers: timers,
                source: {
                    switch calls.append("call") {
                    case 1:
                        try await timers.sleep(for: .seconds(1))
                        return "v1"
                    case 2:
                        try await timers.sleep(for: .seconds(10))
                        return "never"
                    case 3:
                        try await timers.sleep(for: .seconds(1))
                        return "v2"
                    default:
                        throw SourceFailure()
                    }
                }
            )

            // t=0..1: fresh v1.
            var retrieval = startRetrieval(retriever, on: clock)
            await clock.waitForSleeper(until: .seconds(1))
            clock.advance(to: .seconds(1))
            #expect(try await retrieval.value.outcome.summary == .fresh("v1"))

            // Time passes beyond the (cancelled) deadline of that first call, which the
            // sweeper may still be parked on.
            clock.advance(to: .seconds(5))

            // t=5..10: times out, falls back to v1 (not the seed), stored 9 s ago.
            retrieval = startRetrieval(retriever, on: clock)
            await clock.waitForSleeper(until: .seconds(10))
            clock.advance(to: .seconds(10))
            #expect(try await retrieval.value.outcome.summary == .cached("v1", age: .seconds(9), reason: .timeout))

            // t=10..11: fresh v2.
            retrieval = startRetrieval(retriever, on: clock)
            await clock.waitForSleeper(until: .seconds(11))
            clock.advance(to: .seconds(11))
            #expect(try await retrieval.value.outcome.summary == .fresh("v2"))

            // t=11: fails, falls back to v2; three seconds later it is three seconds old.
            #expect(
                try await retriever.retrieve().summary == .cached("v2", age: .zero, reason: .error("source failed"))
            )
            clock.advance(by: .seconds(3))
            let cached = try #require(retriever.cached)
            #expect(cached.value == "v2")
            #expect(cached.age == .seconds(3))
        }
    }
}
