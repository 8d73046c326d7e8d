import Testing

@testable import Retrieval

/// A retrieval holds its slot under `maxConcurrentRetrievals` until its source task has
/// really returned, even once given up on: with a source that ignores cancellation, the
/// live count never exceeds the limit.
@Suite(.timeLimit(.minutes(1)))
struct HonestLimitsTests {
    @Test(
        "Retrievals given up on keep their slots as orphans until their source returns, and new keys are overloaded meanwhile",
        arguments: [TimeoutPolicy.cancel, .refresh]
    )
    func orphansHoldTheirSlots(policy: TimeoutPolicy) async throws {
        try await withTimers { clock, timers throws in
            let gate = CountdownLatch()
            let live = ConcurrencyGauge()
            let store = RecordingStore()
            // Only the first four calls hang, so that a retrieval started past the limit
            // shows at once (fresh) instead of hanging the test.
            let calls = Recorder<String>()
            let engine = TestEngine(
                policy: .init(
                    timeout: .seconds(5),
                    onTimeout: policy,
                    maxRetrieval: .seconds(20),
                    maxConcurrentRetrievals: 4,
                    retryAfter: .zero
                ),
                clock: clock,
                timers: timers,
                store: store,
                wallClock: clock.wallClock
            ) { key in
                await live.measure {
                    if calls.append(key) <= 4 { await gate.waitIgnoringCancellation() }
                    return "\(key) late"
                }
            }
            // Many keys at once: four take the four slots, every other is answered at once.
            let first = (0..<4).map { startRetrieval(engine, "k\($0)", on: clock) }
            await until { live.current == 4 }
            await waitForPendingTimers(timers, count: 8)  // 4 deadlines, 4 budgets
            try await expectOverloaded(engine, keys: (4..<100).map { "k\($0)" })

            // The deadlines pass; under refresh the retrievals stay attached until their budget.
            clock.advance(to: .seconds(5))
            for retrieval in first {
                #expect(try await retrieval.value.outcome.summary == .unavailable(reason: .timeout))
            }
            if policy == .refresh {
                #expect(engine.attachedRetrievals == 4)
                #expect(engine.orphanedRetrievals == 0)
                clock.advance(to: .seconds(20))
                await until { engine.statistics.retrievalsFailed == 4 }
            }
            #expect(engine.attachedRetrievals == 0, "no key holds a flight")
            #expect(engine.orphanedRetrievals == 4)
            #expect(engine.runningRetrievals == 4, "every source task still runs")

            // Four orphans run: new keys and the orphans' own keys are overloaded, and
            // being answered creates no entry.
            let entriesBefore = engine.figures.valuelessEntries
            try await expectOverloaded(engine, keys: (0..<200).map { "k\($0)" })
            #expect(engine.figures.valuelessEntries == entriesBefore)
            #expect(entriesBefore == (policy == .cancel ? 0 : 4), "refresh keeps the budget failures")
            #expect(engine.statistics.retrievalsStarted == 4)
            #expect(live.current == 4)

            // They finally return: their values are dropped, their slots are free.
            gate.countDown()
            await until { engine.runningRetrievals == 0 }
            #expect(engine.orphanedRetrievals == 0)
            #expect(engine.statistics.orphansEnded == 4)
            #expect(engine.cached("k0") == nil, "an orphan's late value is dropped")
            #expect(store.savedSummary.isEmpty, "and not saved")
            #expect(try await engine.retrieve("new").summary == .fresh("new late"))
            #expect(live.maximum == 4, "never more live source tasks than the limit")

            let statistics = engine.statistics
            #expect(statistics.retrievalsStarted == 5)
            #expect(statistics.retrievalsSucceeded == 1)
            #expect(statistics.retrievalsCancelled == (policy == .cancel ? 4 : 0))
            #expect(statistics.retrievalsFailed == (policy == .cancel ? 0 : 4))
        }
    }

    @Test("A cancelled retrieval of a cooperative source frees its slot once its source has returned")
    func aCooperativeOrphanEndsPromptly() async throws {
        try await withTimers { clock, timers throws in
            let calls = Recorder<String>()
            let cancellations = Recorder<String>()
            let engine = TestEngine(
                policy: .init(timeout: .seconds(5), onTimeout: .cancel, maxConcurrentRetrievals: 1),
                clock: clock,
                timers: timers,
                source: countingSource(
                    sleeping: .seconds(3600),
                    timers: timers,
                    calls: calls,
                    cancellations: cancellations
                )
            )
            let retrieval = startRetrieval(engine, "a", on: clock)
            await waitForPendingTimers(timers, count: 3)
            clock.advance(to: .seconds(5))
            #expect(try await retrieval.value.outcome.summary == .unavailable(reason: .timeout))
            await cancellations.waitForCount(1)
            await until { engine.runningRetrievals == 0 }
            #expect(engine.statistics.orphansEnded == 1)
            #expect(engine.figures.valuelessEntries == 0, "nothing is left of a cancelled key without a value")

            let next = startRetrieval(engine, "b", on: clock)
            await waitForPendingTimers(timers, count: 3)
            #expect(calls.elements == ["a", "b"], "the freed slot took the next key")
            next.cancel()
            _ = try? await next.value
        }
    }

    /// Asks for each of `keys` and expects it answered at once as overloaded, with nothing cached.
    private func expectOverloaded(_ engine: TestEngine, keys: [String]) async throws {
        var others: [String: OutcomeSummary<String>] = [:]
        for key in keys {
            let answer = try await engine.retrieve(key).summary
            if answer != .unavailable(reason: .overloaded) { others[key] = answer }
        }
        #expect(others.isEmpty)
    }
}
