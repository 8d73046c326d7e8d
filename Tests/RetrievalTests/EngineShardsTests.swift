import Synchronization
import Testing

@testable import Retrieval

/// The key space split among locks: small caches keep one exact LRU, large ones are
/// split with their capacity shared out, and the retrieval limit holds across the parts.
@Suite(.timeLimit(.minutes(1)))
struct EngineShardsTests {
    @Test("A cache is split into one part per 512 entries, at most 16, and keeps its capacity")
    func capacityIsSharedOut() async throws {
        try await withTimers { clock, timers throws in
            for (capacity, parts) in [(1, 1), (100, 1), (1023, 1), (1024, 2), (4095, 4), (10_000, 16), (1 << 20, 16)] {
                let engine = TestEngine(
                    policy: .init(timeout: .seconds(5), cacheEntries: capacity),
                    clock: clock,
                    timers: timers
                ) { $0 }
                #expect(engine.shards.count == parts, "\(capacity) entries")
                let capacities = engine.shards.map { $0.state.withLock { $0.values.capacity } }
                #expect(capacities.reduce(0, +) == capacity, "\(capacity) entries: \(capacities)")
                #expect(capacities.max()! - capacities.min()! <= 1)
            }
        }
    }

    @Test("Keys spread over the parts, and the whole never holds more values than the cache's capacity")
    func keysSpreadAndStayWithinCapacity() async throws {
        try await withTimers { clock, timers throws in
            let engine = TestEngine(
                policy: .init(timeout: .seconds(5), cacheEntries: 4096),
                clock: clock,
                timers: timers
            ) {
                "\($0) fresh"
            }
            for index in 0..<10_000 {
                #expect(try await engine.retrieve("key\(index)").summary == .fresh("key\(index) fresh"))
            }
            let counts = engine.shards.map { $0.state.withLock { $0.values.count } }
            #expect(counts.count == 8)
            #expect(counts.allSatisfy { $0 == 512 }, "every part full, none over: \(counts)")
            #expect(engine.figures.cachedValues == 4096)
            #expect(engine.cached("key9999")?.value == "key9999 fresh", "the newest key is kept")
            #expect(engine.cached("key0") == nil, "the oldest is evicted")
        }
    }

    @Test("The limit on running retrievals holds across the parts")
    func theRetrievalLimitIsGlobal() async throws {
        try await withTimers { clock, timers throws in
            let engine = TestEngine(
                policy: .init(timeout: .seconds(10), maxConcurrentRetrievals: 3, cacheEntries: 8192),
                clock: clock,
                timers: timers,
                source: countingSource(sleeping: .seconds(5), timers: timers, calls: Recorder())
            )
            #expect(engine.shards.count == 16)
            let waiting = (0..<3).map { startRetrieval(engine, "slow\($0)", on: clock) }
            await waitForPendingTimers(timers, count: 9)
            #expect(engine.runningRetrievals == 3)
            for index in 0..<20 {
                #expect(try await engine.retrieve("other\(index)").summary == .unavailable(reason: .overloaded))
            }
            clock.advance(by: .seconds(5))
            for task in waiting { _ = try await task.value }
            while engine.runningRetrievals > 0 { await Task.yield() }
            // A slot free again: the next key's retrieval starts.
            let next = startRetrieval(engine, "other0", on: clock)
            await waitForPendingTimers(timers, count: 3)
            clock.advance(by: .seconds(5))
            #expect(try await next.value.outcome.summary == .fresh("other0#4"))
        }
    }
}
