/// A bounded map that evicts its least recently used entries.
///
/// `use` and `insert` mark a key as just used; `update` and `peek` do not. Past
/// `capacity`, `insert` evicts the least recently used entries, except those `isPinned`
/// keeps (an entry with a retrieval in flight must stay, or a second retrieval for its key
/// could start; a pinned key's value must never go), so the count exceeds `capacity` only
/// by pinned entries. Not synchronised: the engine keeps it behind its lock.
struct LRUCache<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        /// Nil only in a free slot, so that an evicted value is released at once.
        var value: Value?
        /// Towards the most recently used end; -1 at the head.
        var newer: Int
        /// Towards the least recently used end; -1 at the tail.
        var older: Int
    }

    let capacity: Int
    private let isPinned: (Value) -> Bool
    private var nodes: [Node] = []
    private var slots: [Key: Int] = [:]
    private var freeSlots: [Int] = []
    private var newest = -1
    private var oldest = -1

    init(capacity: Int, isPinned: @escaping (Value) -> Bool = { _ in false }) {
        precondition(capacity > 0, "an LRU cache holds at least one entry")
        self.capacity = capacity
        self.isPinned = isPinned
    }

    var count: Int { slots.count }

    /// The value for `key` without marking it used.
    func peek(_ key: Key) -> Value? {
        slots[key].flatMap { nodes[$0].value }
    }

    /// Runs `body` on the entry for `key` and marks it as the most recently used; nil,
    /// without calling `body`, if there is none.
    mutating func use<R>(_ key: Key, _ body: (inout Value) -> R) -> R? {
        guard let slot = slots[key] else { return nil }
        unlink(slot)
        linkAsNewest(slot)
        return body(&nodes[slot].value!)
    }

    /// Runs `body` on the entry for `key` if there is one, without marking it used.
    mutating func update<R>(_ key: Key, _ body: (inout Value) -> R) -> R? {
        guard let slot = slots[key] else { return nil }
        return body(&nodes[slot].value!)
    }

    /// Makes `value` the entry for `key`, as the most recently used, then evicts beyond
    /// capacity. Returns how many entries it evicted.
    @discardableResult
    mutating func insert(_ value: Value, for key: Key) -> Int {
        if let slot = slots[key] {
            unlink(slot)
            nodes[slot].value = value
            linkAsNewest(slot)
        } else {
            let slot = allocate(Node(key: key, value: value, newer: -1, older: -1))
            slots[key] = slot
            linkAsNewest(slot)
        }
        return evictBeyondCapacity()
    }

    /// Removes the entry for `key` and returns its value.
    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        guard let slot = slots.removeValue(forKey: key) else { return nil }
        unlink(slot)
        return release(slot)
    }

    /// Calls `body` on every value, from the most to the least recently used.
    func forEach(_ body: (Value) -> Void) {
        var slot = newest
        while slot >= 0 {
            if let value = nodes[slot].value { body(value) }
            slot = nodes[slot].older
        }
    }

    /// Keys from the most to the least recently used.
    var keysByRecency: [Key] {
        var keys: [Key] = []
        var slot = newest
        while slot >= 0 {
            keys.append(nodes[slot].key)
            slot = nodes[slot].older
        }
        return keys
    }

    private mutating func evictBeyondCapacity() -> Int {
        var evicted = 0
        var slot = oldest
        while slots.count > capacity, slot >= 0 {
            let next = nodes[slot].newer
            if let value = nodes[slot].value, !isPinned(value) {
                unlink(slot)
                slots[nodes[slot].key] = nil
                release(slot)
                evicted += 1
            }
            slot = next
        }
        return evicted
    }

    private mutating func allocate(_ node: Node) -> Int {
        if let slot = freeSlots.popLast() {
            nodes[slot] = node
            return slot
        }
        nodes.append(node)
        return nodes.count - 1
    }

    /// Empties an unlinked slot for reuse and returns the value it held.
    @discardableResult
    private mutating func release(_ slot: Int) -> Value? {
        let value = nodes[slot].value
        nodes[slot].value = nil
        freeSlots.append(slot)
        return value
    }

    private mutating func unlink(_ slot: Int) {
        let (newer, older) = (nodes[slot].newer, nodes[slot].older)
        if newer >= 0 { nodes[newer].older = older } else if newest == slot { newest = older }
        if older >= 0 { nodes[older].newer = newer } else if oldest == slot { oldest = newer }
        nodes[slot].newer = -1
        nodes[slot].older = -1
    }

    private mutating func linkAsNewest(_ slot: Int) {
        nodes[slot].older = newest
        nodes[slot].newer = -1
        if newest >= 0 { nodes[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
