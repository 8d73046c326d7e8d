/// One last good value as a store keeps it: the key, the value, and the wall-clock time
/// it was retrieved (so its age survives restarts and crosses hosts).
public struct StoredValue<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    public var key: Key
    public var value: Value
    public var retrievedAt: WallTime

    public init(key: Key, value: Value, retrievedAt: WallTime) {
        self.key = key
        self.value = value
        self.retrievedAt = retrievedAt
    }
}

/// Where the engine writes every value it retrieves, so that last good values outlive
/// the process: a cache file now, a store several hosts share later.
///
/// The engine calls `save` on the path of an answer, so it must return at once: a store
/// queues the value and writes it elsewhere (a thread of its own, batched). Reading back
/// happens at start-up, through the store's own API, into `RetrievalEngine.restore`.
public protocol RetrievalStore<Key, Value>: Sendable {
    associatedtype Key: Hashable & Sendable
    associatedtype Value: Sendable

    /// Queues `value` as the last good value of its key. Never blocks, never throws:
    /// a failed write is the store's to log and count.
    func save(_ value: StoredValue<Key, Value>)
}
