import Testing

@testable import Retrieval

/// The rules beyond the recipe: coalescing, refresh after timeout, budget, limits,
/// back-off, staleness and the bounded cache. All on virtual time.
@Suite(.timeLimit(.minutes(1)))
struct RetrievalEngineTests {
    func engine(
        _ policy: RetrievalPolicy,
        clock: ManualClock,
        timers: Timers<ManualClock>,
        source: @escaping @Sendable (String) async throws -> String
    ) -> TestEngine {
        TestEngine(policy: policy, clock: clock, timers: timers, source: source)
    }

    @Test("Concurrent callers of a key share one retrieval and all get its fresh value")
    func concurrentCallersShareOneRetrieval() async throws {
        try await withTimers { clock, timers throws in
            let calls = Recorder<String>()
            let engine = engine(
                .init(timeout: .seconds(5)),
                clock: clock,
                timers: timers,
                source: countingSource(sleeping: .seconds(2), timers: timers, calls: calls)
            )
            let retrievals = (0..<100).map { _ in startRetrieval(engine, "k", on: clock) }
            // 100 deadlines, one budget, one source sleep.
            await waitForPendingTimers(timers, count: 102)
            clock.advance(to: .seconds(2))
            for retrieval in retrievals {
                #expect(try await retrieval.value.outcome.summary == .fresh("k#1"))
            }
            #expect(calls.elements == ["k"])
            #expect(engine.statistics.retrievalsStarted == 1)
        }
    }

    @Test("Each caller keeps its own deadline; one timing out does not fail a later one")
    func callersKeepTheirOwnDeadlines() async throws {
        try await withTimers { clock, timers throws in
            let calls = Recorder<String>()
            let engine = engine(
                .init(timeout: .seconds(5)),
                clock: clock,
                timers: timers,
                source: countingSource(sleeping: .seconds(6), timers: timers, calls: calls)
            )
            engine.seed("seed", for: "k")
            let early = startRetrieval(engine, "k", on: clock)
            await waitForPendingTimers(timers, count: 3)
            clock.advance(to: .seconds(3))
            let late = startRetrieval(engine, "k", on: clock)
            await waitForPendingTimers(timers, count: 4)

            clock.advance(to: .seconds(5))
            let first = try await early.value
            #expect(first.outcome.summary == .cached("seed", age: .seconds(5), reason: .timeout))
            #expect(first.at == .seconds(5))

            clock.advance(to: .seconds(6))
            let second = try await late.value
            #expect(
                second.outcome.summary == .fresh("k#1"),
                "the shared retrieval was not cancelled: a caller still waited"
            )
            #expect(second.at == .seconds(6))
            #expect(calls.elements.count == 1)
        }
    }

    @Test("A cancelled caller leaves without failing the others")
    func aCancelledCallerDoesNotFailOthers() async throws {
        try await withTimers { clock, timers throws in
            let calls = Recorder<String>()
            let engine = engine(
                .init(timeout: .seconds(5)),
                clock: clock,
                timers: timers,
                source: countingSource(sleeping: .seconds(2), timers: timers, calls: calls)
            )
            let leaving = startRetrieval(engine, "k", on: clock)
            let staying = startRetrieval(engine, "k", on: clock)
            await waitForPendingTimers(timers, count: 4)
            leaving.cancel()
            await #expect(throws: CancellationError.self) { try await leaving.value }
            clock.advance(to: .seconds(2))
            #expect(try await staying.value.outcome.summary == .fresh("k#1"))
        }
    }

    @Test("Under cancel, the last caller leaving cancels the retrieval")
    func lastCallerLeavingCancelsUnderCancel() async throws {
        try await withTimers { clock, timers throws in
            let calls = Recorder<String>()
            let cancellations = Recorder<String>()
            let engine = engine(
                .init(timeout: .seconds(5), onTimeout: .cancel),
                clock: clock,
                timers: timers,
                source: countingSource(
                    sleeping: .seconds(10),
                    timers: timers,
                    calls: calls,
                    cancellations: cancellations
                )
            )
            let retrieval = startRetrieval(engine, "k", on: clock)
            await waitForPendingTimers(timers, count: 3)
            clock.advance(to: .seconds(5))
            #expect(try await retrieval.value.outcome.summary == .unavailable(reason: .timeout))
            await cancellations.waitForCount(1)
            #expect(engine.statistics.retrievalsCancelled == 1)
            #expect(engine.attachedRetrievals == 0)
            #expect(timers.pendingCount == 0)
        }
    }

    @Test("Under refresh, the retrieval goes on after the deadline and its value serves later callers")
    func refreshKeepsTheRetrievalAndUpdatesTheCache() async throws {
        try await withTimers { clock, timers throws in
            let calls = Recorder<String>()
            let engine = engine(
                .init(timeout: .seconds(5), onTimeout: .refresh),
                clock: clock,
                timers: timers,
                source: countingSource(sleeping: .seconds(8), timers: timers, calls: calls)
            )
            engine.seed("seed", for: "k")
            let retrieval = startRetrieval(engine, "k", on: clock)
            await waitForPendingTimers(timers, count: 3)
            clock.advance(to: .seconds(5))
            #expect(try await retrieval.value.outcome.summary == .cached("seed", age: .seconds(5), reason: .timeout))
            #expect(engine.runningRetrievals == 1, "still running after its caller left")

            clock.advance(to: .seconds(8))
            await until { engine.statistics.retrievalsSucceeded == 1 }
            let cached = try #require(engine.cached("k"))
            #expect(cached.value == "k#1")
            #expect(engine.runningRetrievals == 0)
            #expect(timers.pendingCount == 0)
        }
    }

    @Test(
        "The recipe's flaw: with a source always slower than the deadline, cancel serves the seed forever and refresh does not",
        arguments: [TimeoutPolicy.cancel, .refresh]
    )
    func alwaysSlowSource(policy: TimeoutPolicy) async throws {
        try await withTimers { clock, timers throws in
            let calls = Recorder<String>()
            let engine = engine(
                .init(timeout: .seconds(5), onTimeout: policy),
                clock: clock,
                timers: timers,
                source: countingSource(sleeping: .seconds(10), timers: timers, calls: calls)
            )
            engine.seed("seed", for: "k")
            var served: [String] = []
            // One caller every 20 s, each answered at its deadline.
            for round in 0..<3 {
                let start = ManualClock.Instant.seconds(20 * round)
                clock.advance(to: start)
                let retrieval = startRetrieval(engine, "k", on: clock)
                await waitForPendingTimers(timers, count: 3)
                clock.advance(to: start.advanced(by: .seconds(5)))
                guard case let .cached(value, _, .timeout) = try await retrieval.value.outcome else {
                    Issue.record("expected a cached answer at the deadline")
                    return
                }
                served.append(value)
                // Let a refreshing retrieval finish (or see that a cancelled one did not).
                clock.advance(to: start.advanced(by: .seconds(10)))
                await until { engine.attachedRetrievals == 0 }
            }
            switch policy {
            case .cancel: #expect(served == ["seed", "seed", "seed"])
            case .refresh: #expect(served == ["seed", "k#1", "k#2"])
            }
        }
    }

    @Test("A retrieval over its budget is cancelled whatever the policy, and counts as a failure")
    func budgetCancelsARefreshingRetrieval() async throws {
        try await withTimers { clock, timers throws in
            let calls = Recorder<String>()
            let cancellations = Recorder<String>()
            let engine = engine(
                .init(timeout: .seconds(5), onTimeout: .refresh, maxRetrieval: .seconds(20), retryAfter: .seconds(1)),
                clock: clock,
                timers: timers,
                source: countingSource(
                    sleeping: .seconds(3600),
                    timers: timers,
                    calls: calls,
                    cancellations: cancellations
                )
            )
            let retrieval = startRetrieval(engine, "k", on: clock)
            await waitForPendingTimers(timers, count: 3)
            clock.advance(to: .seconds(5))
            _ = try await retrieval.value
            clock.advance(to: .seconds(20))
            await cancellations.waitForCount(1)
            #expect(engine.statistics.retrievalsFailed == 1)
            #expect(engine.attachedRetrievals == 0)
            // Back-off applies to it like to any failure.
            guard case .unavailable(reason: .backingOff(let error)) = try await engine.retrieve("k") else {
                Issue.record("expected back-off after the budget ran out")
                return
            }
            #expect(error is RetrievalBudgetExceeded)
        }
    }

    @Test("Over the global limit, a caller is answered from the cache at once without starting a retrieval")
    func globalLimitAnswersFromTheCache() async throws {
        try await withTimers { clock, timers throws in
            let calls = Recorder<String>()
            let engine = engine(
                .init(timeout: .seconds(50), onTimeout: .refresh, maxConcurrentRetrievals: 2),
                clock: clock,
                timers: timers,
                source: countingSource(sleeping: .seconds(30), timers: timers, calls: calls)
            )
            engine.seed("seed-c", for: "c")
            let a = startRetrieval(engine, "a", on: clock)
            let b = startRetrieval(engine, "b", on: clock)
            await waitForPendingTimers(timers, count: 6)
            let c = try await engine.retrieve("c")
            #expect(c.summary == .cached("seed-c", age: .zero, reason: .overloaded))
            #expect(try await engine.retrieve("d").summary == .unavailable(reason: .overloaded))
            #expect(clock.now == .seconds(0), "answered at once")
            #expect(calls.elements.sorted() == ["a", "b"])
            // Joining a running retrieval is not starting one.
            let a2 = startRetrieval(engine, "a", on: clock)
            await waitForPendingTimers(timers, count: 7)
            clock.advance(to: .seconds(30))
            // a's and b's retrievals start in tasks of their own, in either order.
            let first = try await a.value.outcome.summary
            #expect(first == .fresh("a#1") || first == .fresh("a#2"))
            #expect(try await a2.value.outcome.summary == first, "a2 shares a's retrieval")
            #expect(calls.elements.count == 2, "no retrieval started for a2")
            _ = try await b.value
        }
    }

    @Test("After a failure, a key is answered from the cache until retry-after has passed")
    func retryAfterSparesAFailingSource() async throws {
        try await withTimers { clock, timers throws in
            let calls = Recorder<String>()
            let engine = engine(.init(timeout: .seconds(5), retryAfter: .seconds(1)), clock: clock, timers: timers) {
                key in
                calls.append(key)
                throw SourceFailure()
            }
            engine.seed("seed", for: "k")
            #expect(
                try await engine.retrieve("k").summary == .cached("seed", age: .zero, reason: .error("source failed"))
            )
            #expect(
                try await engine.retrieve("k").summary
                    == .cached("seed", age: .zero, reason: .backingOff("source failed"))
            )
            clock.advance(by: .milliseconds(999))
            _ = try await engine.retrieve("k")
            #expect(calls.elements.count == 1, "not retried within a second")
            clock.advance(to: .seconds(1))
            _ = try await engine.retrieve("k")
            #expect(calls.elements.count == 2, "retried once the second has passed")
        }
    }

    @Test("A cached value older than max-stale is not served")
    func maxStaleRefusesOldValues() async throws {
        try await withTimers { clock, timers throws in
            let engine = engine(
                .init(timeout: .seconds(5), retryAfter: .zero, maxStale: .seconds(10)),
                clock: clock,
                timers: timers
            ) { _ in
                throw SourceFailure()
            }
            engine.seed("seed", for: "k")
            clock.advance(to: .seconds(10))
            #expect(
                try await engine.retrieve("k").summary
                    == .cached("seed", age: .seconds(10), reason: .error("source failed"))
            )
            clock.advance(to: .seconds(11))
            #expect(try await engine.retrieve("k").summary == .unavailable(reason: .error("source failed")))
        }
    }

    @Test(
        "A source that ignores cancellation never delays an answer past its deadline, and its late value is dropped under cancel"
    )
    func uncooperativeSourceCannotDelayAnswers() async throws {
        try await withTimers { clock, timers throws in
            let gate = CountdownLatch()
            let engine = engine(.init(timeout: .seconds(5)), clock: clock, timers: timers) { _ in
                await gate.waitIgnoringCancellation()
                return "late"
            }
            engine.seed("seed", for: "k")
            let retrieval = startRetrieval(engine, "k", on: clock)
            await waitForPendingTimers(timers, count: 2)
            clock.advance(to: .seconds(5))
            let answer = try await retrieval.value
            #expect(answer.at == .seconds(5))
            #expect(answer.outcome.summary == .cached("seed", age: .seconds(5), reason: .timeout))
            // The abandoned retrieval no longer holds the key: the next caller starts anew.
            #expect(engine.attachedRetrievals == 0)
            gate.countDown()
            #expect(engine.cached("k")?.value == "seed")
        }
    }

    @Test("The cache holds at most cache-entries keys and evicts the least recently used")
    func theCacheIsABoundedLRU() async throws {
        try await withTimers { clock, timers throws in
            let engine = engine(.init(timeout: .seconds(5), cacheEntries: 2), clock: clock, timers: timers) { key in
                key.uppercased()
            }
            _ = try await engine.retrieve("a")
            _ = try await engine.retrieve("b")
            _ = try await engine.retrieve("a")  // a is now the most recently used
            _ = try await engine.retrieve("c")
            #expect(engine.cached("a")?.value == "A")
            #expect(engine.cached("b") == nil, "b was the least recently used")
            #expect(engine.cached("c")?.value == "C")
        }
    }
}
