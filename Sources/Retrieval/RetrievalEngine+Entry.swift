extension RetrievalEngine {
    /// What the engine knows about one key.
    struct Entry {
        /// The last good value and when it was stored.
        var stored: (value: Value, at: C.Instant)?
        /// The last failure, while it still matters for `retryAfter`.
        var lastFailure: (error: any Error, at: C.Instant)?
        /// The key's retrieval in flight, shared by all its callers.
        var flight: Flight?
    }

    /// One retrieval in flight and the callers waiting for it, each with its own deadline.
    struct Flight {
        let id: UInt64
        let task: Task<Void, Never>
        /// Cancels the retrieval after `maxRetrieval`, whatever the policy.
        let budget: Timers<C>.Handle
        var waiters: [UInt64: OneShot<WaitResult>] = [:]
    }

    /// How one caller's wait ended.
    enum WaitResult: Sendable {
        case value(Value)
        case failed(any Error)
        case timedOut
        case cancelled
    }

    /// Everything behind the engine's lock.
    struct State {
        var entries: LRUCache<Key, Entry>
        /// Retrievals in flight (attached to their key), over all keys.
        var running = 0
        var nextID: UInt64 = 0

        mutating func makeID() -> UInt64 {
            nextID += 1
            return nextID
        }
    }
}
