import Synchronization

/// Requests by outcome and in flight, for `/status`: cheap to bump on every answer,
/// readable from any thread.
final class RequestCounts: Sendable {
    private let fresh = Atomic<Int>(0)
    private let hits = Atomic<Int>(0)
    private let waitsApplied = Atomic<Int>(0)
    private let onlyIfCached = Atomic<Int>(0)
    private let stale = Mutex<[String: Int]>([:])
    private let errors = Mutex<[Int: Int]>([:])
    private let inFlight = Atomic<Int>(0)
    private let mostInFlight = Atomic<Int>(0)

    init() {}

    func record(_ outcome: RequestOutcome) {
        switch outcome {
        case .fresh: fresh.add(1, ordering: .relaxed)
        case .hit: hits.add(1, ordering: .relaxed)
        case .stale(let reason): stale.withLock { $0[reason, default: 0] += 1 }
        case .error(let status): errors.withLock { $0[status, default: 0] += 1 }
        }
    }

    /// A caller's `Prefer: wait` set its deadline.
    func waitApplied() { waitsApplied.add(1, ordering: .relaxed) }

    /// A caller asked for the cache only (answered from it, or 504).
    func onlyIfCachedAsked() { onlyIfCached.add(1, ordering: .relaxed) }

    /// A request starts waiting for its answer.
    func started() {
        let now = inFlight.add(1, ordering: .relaxed).newValue
        var most = mostInFlight.load(ordering: .relaxed)
        while now > most {
            let (exchanged, original) = mostInFlight.compareExchange(
                expected: most,
                desired: now,
                ordering: .relaxed
            )
            if exchanged { break }
            most = original
        }
    }

    /// A request has its answer (or its client left).
    func ended() {
        inFlight.subtract(1, ordering: .relaxed)
    }

    var freshCount: Int { fresh.load(ordering: .relaxed) }
    var hitCount: Int { hits.load(ordering: .relaxed) }
    var waitAppliedCount: Int { waitsApplied.load(ordering: .relaxed) }
    var onlyIfCachedCount: Int { onlyIfCached.load(ordering: .relaxed) }
    func staleCount(_ reason: String) -> Int { stale.withLock { $0[reason] ?? 0 } }
    var errorCounts: [Int: Int] { errors.withLock { $0 } }
    var currentlyInFlight: Int { inFlight.load(ordering: .relaxed) }
    var mostAtOnce: Int { mostInFlight.load(ordering: .relaxed) }
}
