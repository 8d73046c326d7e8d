@testable import Retrieval

/// The engine on virtual time with string keys and values.
typealias TestEngine = RetrievalEngine<String, String, ManualClock>

/// The recipe's single-value view of the engine: one key, seeded, no back-off, so the
/// v1 rules (fresh, cached at the deadline, cached on error) can be tested as such.
struct TestRetriever {
    static let key = "default"
    let engine: TestEngine

    init(
        timeout: Duration,
        seed: String?,
        clock: ManualClock,
        timers: Timers<ManualClock>,
        source: @escaping @Sendable () async throws -> String
    ) {
        engine = TestEngine(policy: .init(timeout: timeout, retryAfter: .zero), clock: clock, timers: timers) { _ in
            try await source()
        }
        if let seed { engine.seed(seed, for: Self.key) }
    }

    func retrieve() async throws(CancellationError) -> RetrievalOutcome<String> {
        try await engine.retrieve(Self.key)
    }

    var cached: (value: String, age: Duration)? { engine.cached(Self.key) }
}

/// What a retrieval run in its own task produced, and the virtual time it answered at.
typealias Answer = (outcome: RetrievalOutcome<String>, at: ManualClock.Instant)

/// An error for sources to throw.
struct SourceFailure: Error, CustomStringConvertible {
    var description: String { "source failed" }
}

/// Runs `body` with a fresh manual clock and timers on it, then moves time far ahead so
/// a sweeper still parked on the clock wakes, finds nothing pending and ends.
func withTimers(
    _ body: (ManualClock, Timers<ManualClock>) async throws -> Void
) async rethrows {
    let clock = ManualClock()
    let timers = Timers(clock: clock)
    defer { clock.advance(by: .seconds(1_000_000)) }
    try await body(clock, timers)
}

/// Calls `retrieve(key)` in a task of its own, so the test can move time meanwhile.
func startRetrieval(_ engine: TestEngine, _ key: String, on clock: ManualClock) -> Task<Answer, any Error> {
    Task {
        let outcome = try await engine.retrieve(key)
        return (outcome, clock.now)
    }
}

/// Waits (yielding, never sleeping) until `timers` holds `count` pending timers: every
/// caller has registered its deadline.
func waitForPendingTimers(_ timers: Timers<ManualClock>, count: Int) async {
    while timers.pendingCount < count, !Task.isCancelled {
        await Task.yield()
    }
}

/// Calls `retrieve()` in a task of its own, so the test can move time meanwhile.
func startRetrieval(_ retriever: TestRetriever, on clock: ManualClock) -> Task<Answer, any Error> {
    Task {
        let outcome = try await retriever.retrieve()
        return (outcome, clock.now)
    }
}

/// A source that signals when it starts, sleeps `duration` on `timers` (cancellably),
/// records whether that sleep was cancelled, signals when it ends and returns `value`.
func sleepingSource(
    _ duration: Duration,
    returning value: String,
    timers: Timers<ManualClock>,
    started: CountdownLatch = CountdownLatch(),
    ended: CountdownLatch = CountdownLatch(),
    cancellations: Recorder<Bool> = Recorder()
) -> @Sendable () async throws -> String {
    {
        started.countDown()
        defer { ended.countDown() }
        do {
            try await timers.sleep(for: duration)
        } catch {
            cancellations.append(true)
            throw error
        }
        return value
    }
}

/// Yields until `condition` holds (never sleeps); a test's time limit ends a wait that
/// would never finish.
func until(_ condition: () -> Bool) async {
    while !condition(), !Task.isCancelled {
        await Task.yield()
    }
}

/// A source for `TestEngine` that counts its calls per key and sleeps `duration` on
/// `timers` before answering "`key`#`call`".
func countingSource(
    sleeping duration: Duration,
    timers: Timers<ManualClock>,
    calls: Recorder<String>,
    cancellations: Recorder<String> = Recorder()
) -> @Sendable (String) async throws -> String {
    { key in
        let call = calls.append(key)
        do {
            try await timers.sleep(for: duration)
        } catch {
            cancellations.append(key)
            throw error
        }
        return "\(key)#\(call)"
    }
}
