import Testing

@testable import Retrieval

/// The store hook and `restore(_:)`: values saved with the wall-clock time they were
/// retrieved, put back after a restart with ages true in wall-clock terms.
@Suite(.timeLimit(.minutes(1)))
struct StoreAndRestoreTests {
    typealias Saved = RecordingStore.Saved

    func engine(
        _ policy: RetrievalPolicy,
        clock: ManualClock,
        timers: Timers<ManualClock>,
        store: RecordingStore,
        pinnedKeys: Set<String> = [],
        source: @escaping @Sendable (String) async throws -> String
    ) -> TestEngine {
        TestEngine(
            policy: policy,
            clock: clock,
            timers: timers,
            pinnedKeys: pinnedKeys,
            store: store,
            wallClock: clock.wallClock,
            source: source
        )
    }

    /// `value` as retrieved at second `second` of the wall clock.
    func stored(_ key: String, _ value: String, atSecond second: Int) -> StoredValue<String, String> {
        StoredValue(key: key, value: value, retrievedAt: ManualClock.wallTime(atSecond: second))
    }

    @Test("Every value that lands is saved with the wall-clock time it was retrieved; seeds and failures are not")
    func landedValuesAreSaved() async throws {
        try await withTimers { clock, timers throws in
            let store = RecordingStore()
            let calls = Recorder<String>()
            let engine = engine(.init(timeout: .seconds(5)), clock: clock, timers: timers, store: store) { key in
                if key == "bad" { throw SourceFailure() }
                return try await countingSource(sleeping: .seconds(2), timers: timers, calls: calls)(key)
            }
            engine.seed("seed", for: "k")
            clock.advance(to: .seconds(10))
            let retrieval = startRetrieval(engine, "k", on: clock)
            await waitForPendingTimers(timers, count: 3)
            clock.advance(to: .seconds(12))
            #expect(try await retrieval.value.outcome.summary == .fresh("k#1"))
            #expect(store.savedSummary == [Saved(key: "k", value: "k#1", at: .seconds(12))])

            #expect(try await engine.retrieve("bad").summary == .unavailable(reason: .error("source failed")))
            #expect(store.savedSummary.count == 1, "a failure is not saved")
            #expect(engine.cached("k")?.age == .zero, "ages stay on the engine's clock")
        }
    }

    @Test(
        "Restored values have their true wall-clock ages, a time in the future counts as now, and none is saved again"
    )
    func restoredValuesHaveTrueAges() async throws {
        try await withTimers { clock, timers throws in
            let store = RecordingStore()
            let engine = engine(.init(timeout: .seconds(5)), clock: clock, timers: timers, store: store) { _ in
                throw SourceFailure()
            }
            clock.advance(to: .seconds(100))
            engine.restore([stored("a", "A", atSecond: 10), stored("b", "B", atSecond: 130)])
            #expect(engine.cached("a")?.value == "A")
            #expect(engine.cached("a")?.age == .seconds(90))
            #expect(engine.cached("b")?.age == .zero)
            #expect(store.savedSummary.isEmpty)

            clock.advance(to: .seconds(105))
            #expect(
                try await engine.retrieve("a").summary
                    == .cached("A", age: .seconds(95), reason: .error("source failed"))
            )
            #expect(engine.figures.oldestValueAge == .seconds(95))
        }
    }

    @Test("Beyond cache-entries, restore keeps the most recent values and every pinned key's")
    func restoreKeepsTheMostRecent() async throws {
        try await withTimers { clock, timers throws in
            let store = RecordingStore()
            let engine = engine(
                .init(timeout: .seconds(5), cacheEntries: 3),
                clock: clock,
                timers: timers,
                store: store,
                pinnedKeys: ["default"]
            ) { key in key }
            clock.advance(to: .seconds(1000))
            let values = (0..<10).map { stored("k\($0)", "v\($0)", atSecond: 900 + $0) }
            engine.restore(values.shuffled() + [stored("default", "oldest", atSecond: 1)])
            #expect(engine.cached("default")?.value == "oldest")
            #expect(engine.cached("k9")?.value == "v9")
            #expect(engine.cached("k8")?.value == "v8")
            #expect((0..<8).allSatisfy { engine.cached("k\($0)") == nil })
            #expect(engine.figures.cachedValues == 3)
            #expect(engine.statistics.valuesEvicted == 0, "trimmed before caching, not evicted")
        }
    }

    @Test(
        "A restored value never replaces a more recent one, the newest of duplicates counts, and too stale ones are skipped"
    )
    func restoreKeepsTheNewerValue() async throws {
        try await withTimers { clock, timers throws in
            let store = RecordingStore()
            let engine = engine(
                .init(timeout: .seconds(5), maxStale: .seconds(500)),
                clock: clock,
                timers: timers,
                store: store
            ) { key in key }
            engine.seed("old seed", for: "older")
            clock.advance(to: .seconds(1000))
            engine.seed("new seed", for: "newer")
            engine.restore([
                stored("older", "restored", atSecond: 990),
                stored("newer", "restored", atSecond: 990),
                stored("twice", "first", atSecond: 950),
                stored("twice", "second", atSecond: 980),
                stored("twice", "third", atSecond: 960),
                stored("stale", "too old", atSecond: 400),
            ])
            #expect(engine.cached("older")?.value == "restored", "restored over an older seed")
            #expect(engine.cached("older")?.age == .seconds(10))
            #expect(engine.cached("newer")?.value == "new seed", "a seed of now is more recent")
            #expect(engine.cached("twice")?.value == "second")
            #expect(engine.cached("stale") == nil)
            #expect(store.savedSummary.isEmpty)
        }
    }

    @Test(
        "After a restart under refresh, a slow source's first caller gets the restored value at its deadline, then the retrieval replaces and saves it"
    )
    func restartThenRefresh() async throws {
        try await withTimers { clock, timers throws in
            let store = RecordingStore()
            let calls = Recorder<String>()
            let engine = engine(
                .init(timeout: .seconds(5), onTimeout: .refresh),
                clock: clock,
                timers: timers,
                store: store,
                pinnedKeys: ["default"],
                source: countingSource(sleeping: .seconds(8), timers: timers, calls: calls)
            )
            // The process starts at second 1000 of the wall clock; the value is 90 s old.
            clock.advance(to: .seconds(1000))
            engine.restore([stored("default", "restored", atSecond: 910)])

            let retrieval = startRetrieval(engine, "default", on: clock)
            await waitForPendingTimers(timers, count: 3)
            clock.advance(to: .seconds(1005))
            let answer = try await retrieval.value
            #expect(answer.at == .seconds(1005))
            #expect(answer.outcome.summary == .cached("restored", age: .seconds(95), reason: .timeout))
            #expect(store.savedSummary.isEmpty)

            clock.advance(to: .seconds(1008))
            await store.saved.waitForCount(1)
            #expect(store.savedSummary == [Saved(key: "default", value: "default#1", at: .seconds(1008))])
            #expect(engine.cached("default")?.value == "default#1")
            #expect(engine.cached("default")?.age == .zero)
            #expect(calls.elements == ["default"])
            #expect(engine.runningRetrievals == 0)
        }
    }

    @Test("An engine takes any RetrievalSource")
    func anEngineTakesASourceValue() async throws {
        struct Uppercasing: RetrievalSource {
            func retrieve(_ key: String) async throws -> String { key.uppercased() }
        }
        try await withTimers { clock, timers throws in
            let engine = RetrievalEngine(policy: .init(), clock: clock, timers: timers, source: Uppercasing())
            #expect(try await engine.retrieve("abc").summary == .fresh("ABC"))
        }
    }
}
