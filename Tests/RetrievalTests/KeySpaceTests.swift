import Testing

@testable import Retrieval

/// No sequence of requests evicts a last good value in favour of a key that has none:
/// values are an LRU of their own, keys without a value are bounded apart and created
/// only when a retrieval starts, and pinned keys are never evicted.
@Suite(.timeLimit(.minutes(2)))
struct KeySpaceTests {
    static let known = (0..<5).map { "known\($0)" }
    static let floodSize = 100_000

    enum InstantSource: String, CaseIterable {
        case succeeding, failing
    }

    @Test(
        "A flood of new keys answered at once evicts neither the pinned key nor values asked for recently",
        arguments: InstantSource.allCases
    )
    func floodWithAnInstantSource(_ kind: InstantSource) async throws {
        try await withTimers { clock, timers throws in
            let engine = TestEngine(
                policy: .init(timeout: .seconds(5), retryAfter: .seconds(1), cacheEntries: 100),
                clock: clock,
                timers: timers,
                pinnedKeys: ["default"]
            ) { key in
                if kind == .failing { throw SourceFailure() }
                return "\(key) fresh"
            }
            seedPinnedAndKnownKeys(engine)
            var largest = engine.figures
            for index in 0..<Self.floodSize {
                _ = try await engine.retrieve("flood\(index)")
                // The known keys every 50 new keys: recently enough for a cache of 100.
                if index % 50 == 0 {
                    for key in Self.known {
                        switch (kind, try await engine.retrieve(key)) {
                        case (.succeeding, .fresh), (.failing, .cached): continue
                        case let (_, answer):
                            Issue.record("\(key) after \(index) new keys: \(answer.summary)")
                            return
                        }
                    }
                }
                if index % 1000 == 0 { largest = largest.union(engine.figures) }
            }

            #expect(engine.cached("default")?.value == "seed", "the pinned key, never asked, kept its value")
            for key in Self.known {
                let expected = kind == .succeeding ? "\(key) fresh" : "\(key) seed"
                #expect(engine.cached(key)?.value == expected)
            }
            largest = largest.union(engine.figures)
            #expect(largest.cachedValues <= 100)
            #expect(largest.valuelessEntries <= 100)
            switch kind {
            case .succeeding:
                #expect(engine.figures.valuelessEntries == 0)
                #expect(engine.statistics.valuesEvicted >= Self.floodSize - 100)
            case .failing:
                #expect(engine.figures.cachedValues == 6)
                #expect(engine.statistics.valuesEvicted == 0)
                #expect(engine.statistics.failureRecordsEvicted == Self.floodSize - 100)
            }
        }
    }

    @Test(
        "A flood of new keys with a hanging source keeps every value and bounds the keys without one",
        arguments: [TimeoutPolicy.cancel, .refresh]
    )
    func floodWithAHangingSource(policy: TimeoutPolicy) async throws {
        try await withTimers { clock, timers throws in
            let engine = TestEngine(
                policy: .init(
                    timeout: .seconds(5),
                    onTimeout: policy,
                    maxRetrieval: .seconds(20),
                    maxConcurrentRetrievals: 4,
                    cacheEntries: 100
                ),
                clock: clock,
                timers: timers,
                pinnedKeys: ["default"]
            ) { _ in
                try await timers.sleep(for: .seconds(3600))
                return "never"
            }
            seedPinnedAndKnownKeys(engine)
            let perRound = 1000
            var largest = engine.figures
            var unexpected: [String] = []
            for round in 0..<(Self.floodSize / perRound) {
                let start = ManualClock.Instant.seconds(20 * round)
                // Four new keys take the four slots and hang.
                let hanging = (0..<4).map { startRetrieval(engine, "flood\(round)-\($0)", on: clock) }
                await waitForPendingTimers(timers, count: 12)  // 4 deadlines, 4 budgets, 4 source sleeps
                // Every other new key is answered at once and leaves nothing behind.
                for index in 4..<perRound {
                    let answer = try await engine.retrieve("flood\(round)-\(index)").summary
                    if answer != .unavailable(reason: .overloaded) { unexpected.append("\(answer)") }
                    if index % 100 == 0 {
                        for key in Self.known {
                            let answer = try await engine.retrieve(key).summary
                            if answer != .cached("\(key) seed", age: start.offset, reason: .overloaded) {
                                unexpected.append("\(key): \(answer)")
                            }
                        }
                    }
                }
                largest = largest.union(engine.figures)
                // The deadlines pass, then the budgets; the cancelled sources return.
                clock.advance(to: start.advanced(by: .seconds(5)))
                for retrieval in hanging {
                    let answer = try await retrieval.value.outcome.summary
                    if answer != .unavailable(reason: .timeout) { unexpected.append("hanging: \(answer)") }
                }
                clock.advance(to: start.advanced(by: .seconds(20)))
                await until { engine.runningRetrievals == 0 }
            }

            #expect(unexpected.isEmpty)
            #expect(engine.cached("default")?.value == "seed")
            for key in Self.known {
                #expect(engine.cached(key)?.value == "\(key) seed")
            }
            #expect(largest.cachedValues == 6)
            #expect(largest.valuelessEntries <= 104, "at most 100 failure records and the four in flight")
            #expect(largest.runningRetrievals == 4)
            switch policy {
            case .cancel:
                #expect(engine.figures.valuelessEntries == 0, "a cancelled key without a value leaves nothing")
            case .refresh:
                #expect(engine.figures.valuelessEntries == 100, "the most recent budget failures")
                #expect(engine.statistics.failureRecordsEvicted == 4 * Self.floodSize / perRound - 100)
            }
            #expect(engine.statistics.retrievalsStarted == 4 * Self.floodSize / perRound)
        }
    }

    @Test("Over the limit, a new key is answered without an entry; a key gets one when its retrieval starts")
    func entriesAreCreatedOnlyWhenARetrievalStarts() async throws {
        try await withTimers { clock, timers throws in
            let gate = CountdownLatch()
            let engine = TestEngine(
                policy: .init(timeout: .seconds(5), maxConcurrentRetrievals: 1, retryAfter: .seconds(1)),
                clock: clock,
                timers: timers
            ) { key in
                await gate.wait()
                if key == "bad" { throw SourceFailure() }
                return "\(key) fresh"
            }
            let bad = startRetrieval(engine, "bad", on: clock)
            await waitForPendingTimers(timers, count: 2)
            #expect(engine.figures.valuelessEntries == 1, "a flight in progress")
            for index in 0..<1000 {
                _ = try await engine.retrieve("other\(index)")
            }
            #expect(engine.figures.valuelessEntries == 1)
            gate.countDown()
            #expect(try await bad.value.outcome.summary == .unavailable(reason: .error("source failed")))
            await until { engine.runningRetrievals == 0 }
            #expect(engine.figures.valuelessEntries == 1, "a failure record, for retry-after")
            #expect(try await engine.retrieve("bad").summary == .unavailable(reason: .backingOff("source failed")))
            #expect(try await engine.retrieve("good").summary == .fresh("good fresh"))
            let figures = engine.figures
            #expect(figures.valuelessEntries == 1)
            #expect(figures.cachedValues == 1, "the value moved to the cache")
        }
    }

    @Test("Figures show values, keys without one, running and orphaned retrievals, and the oldest value's age")
    func figuresDescribeTheKeySpace() async throws {
        try await withTimers { clock, timers throws in
            let gate = CountdownLatch()
            let engine = TestEngine(
                policy: .init(timeout: .seconds(5), onTimeout: .cancel, retryAfter: .seconds(60)),
                clock: clock,
                timers: timers
            ) { key in
                if key == "bad" { throw SourceFailure() }
                await gate.waitIgnoringCancellation()
                return "\(key) late"
            }
            #expect(
                engine.figures
                    == RetrievalFigures(
                        cachedValues: 0,
                        valuelessEntries: 0,
                        runningRetrievals: 0,
                        orphanedRetrievals: 0,
                        oldestValueAge: nil
                    )
            )
            engine.seed("old", for: "a")
            clock.advance(to: .seconds(10))
            engine.seed("new", for: "b")
            _ = try await engine.retrieve("bad")
            let orphan = startRetrieval(engine, "orphan", on: clock)
            let attached = startRetrieval(engine, "b", on: clock)
            await waitForPendingTimers(timers, count: 4)
            clock.advance(to: .seconds(12))
            let lateComer = startRetrieval(engine, "b", on: clock)
            await waitForPendingTimers(timers, count: 5)
            clock.advance(to: .seconds(15))
            _ = try await (orphan.value, attached.value)
            await until { engine.orphanedRetrievals == 1 }
            #expect(
                engine.figures
                    == RetrievalFigures(
                        cachedValues: 2,
                        valuelessEntries: 1,
                        runningRetrievals: 2,
                        orphanedRetrievals: 1,
                        oldestValueAge: .seconds(15)
                    ),
                "a and b cached, bad's failure kept; b's retrieval still attached for its late comer, orphan's not"
            )
            gate.countDown()
            #expect(try await lateComer.value.outcome.summary == .fresh("b late"))
            await until { engine.runningRetrievals == 0 }
            #expect(engine.figures.orphanedRetrievals == 0)
        }
    }

    private func seedPinnedAndKnownKeys(_ engine: TestEngine) {
        engine.seed("seed", for: "default")
        for key in Self.known {
            engine.seed("\(key) seed", for: key)
        }
    }
}

extension RetrievalFigures {
    /// The larger of each count (and the older age): the most a test ever saw.
    func union(_ other: RetrievalFigures) -> RetrievalFigures {
        RetrievalFigures(
            cachedValues: max(cachedValues, other.cachedValues),
            valuelessEntries: max(valuelessEntries, other.valuelessEntries),
            runningRetrievals: max(runningRetrievals, other.runningRetrievals),
            orphanedRetrievals: max(orphanedRetrievals, other.orphanedRetrievals),
            oldestValueAge: [oldestValueAge, other.oldestValueAge].compactMap { $0 }.max()
        )
    }
}
