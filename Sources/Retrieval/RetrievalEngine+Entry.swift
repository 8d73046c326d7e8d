extension RetrievalEngine {
    /// What the engine knows about one key.
    struct Entry {
        /// The last good value and when it was stored.
        var stored: (value: Value, at: C.Instant)?
        /// The last failure, while it still matters for `retryAfter`.
        var lastFailure: (error: any Error, at: C.Instant)?
        /// The key's retrieval in flight, shared by all its callers.
        var flight: Flight?
        /// One of the engine's `pinnedKeys`: never evicted.
        let isPinned: Bool

        init(isPinned: Bool) {
            self.isPinned = isPinned
        }

        /// Evicting it would lose what must not be lost: a pinned key, or a flight (whose
        /// key would then get a second one).
        var mustStay: Bool { isPinned || flight != nil }

        /// Nothing left worth keeping: no value, no failure to back off from, no flight.
        var isEmpty: Bool { stored == nil && lastFailure == nil && flight == nil }
    }

    /// One retrieval in flight and the callers waiting for it, each with its own deadline.
    struct Flight {
        let id: UInt64
        let task: Task<Void, Never>
        /// Cancels the retrieval after `maxRetrieval`, whatever the policy.
        let budget: Timers<C>.Handle
        /// The timers that hold `budget`: those of the thread that started the flight.
        let budgetTimers: Timers<C>
        var waiters: [UInt64: OneShot<WaitResult>] = [:]
    }

    /// How one caller's wait ended.
    enum WaitResult: Sendable {
        case value(Value)
        case failed(any Error)
        case timedOut
        case cancelled
    }
}
