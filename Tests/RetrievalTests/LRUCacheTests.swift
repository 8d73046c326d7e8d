import Testing

@testable import Retrieval

@Suite struct LRUCacheTests {
    @Test func evictsTheLeastRecentlyUsedBeyondCapacity() {
        var cache = LRUCache<String, Int>(capacity: 3)
        for (index, key) in ["a", "b", "c", "a", "d", "e"].enumerated() {
            cache.insert(index, for: key)
        }
        #expect(cache.keysByRecency == ["e", "d", "a"])
        #expect(cache.peek("a") == 3)
        #expect(cache.peek("b") == nil)
    }

    @Test func keepsPinnedEntriesEvenWhenOldest() {
        var cache = LRUCache<String, Int>(capacity: 2) { $0 < 0 }
        cache.insert(-1, for: "pinned")
        cache.insert(1, for: "x")
        cache.insert(2, for: "y")
        #expect(cache.keysByRecency == ["y", "pinned"])
    }

    @Test func updateDoesNotChangeRecencyNorCreate() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.insert(1, for: "a")
        cache.insert(2, for: "b")
        #expect(cache.update("a") { $0 += 10 } != nil)
        #expect(cache.update("missing") { $0 += 10 } == nil)
        cache.insert(3, for: "c")
        #expect(cache.keysByRecency == ["c", "b"], "a stayed the least recently used")
    }

    @Test func useMarksAnEntryUsedAndNeverCreatesOne() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.insert(1, for: "a")
        cache.insert(2, for: "b")
        #expect(cache.use("a") { $0 += 10 } != nil)
        #expect(cache.use("missing") { $0 += 10 } == nil)
        #expect(cache.count == 2)
        let evicted = cache.insert(3, for: "c")
        #expect(evicted == 1)
        #expect(cache.keysByRecency == ["c", "a"], "b became the least recently used")
        #expect(cache.peek("a") == 11)
    }

    @Test func insertingAnExistingKeyReplacesItsValueWithoutGrowing() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.insert(1, for: "a")
        cache.insert(2, for: "b")
        #expect(cache.insert(3, for: "a") == 0)
        #expect(cache.keysByRecency == ["a", "b"])
        #expect(cache.peek("a") == 3)
    }

    @Test func removingAnEntryReturnsItAndReusesItsSlot() {
        var cache = LRUCache<String, Int>(capacity: 3)
        cache.insert(1, for: "a")
        cache.insert(2, for: "b")
        cache.insert(3, for: "c")
        #expect(cache.removeValue(forKey: "b") == 2)
        #expect(cache.removeValue(forKey: "b") == nil)
        #expect(cache.keysByRecency == ["c", "a"])
        #expect(cache.removeValue(forKey: "c") == 3)
        #expect(cache.removeValue(forKey: "a") == 1)
        #expect(cache.keysByRecency.isEmpty)
        cache.insert(4, for: "d")
        cache.insert(5, for: "e")
        #expect(cache.keysByRecency == ["e", "d"])
        var values: [Int] = []
        cache.forEach { values.append($0) }
        #expect(values == [5, 4])
    }

    @Test func releasesEvictedValuesAtOnce() {
        final class Payload {}
        weak var released: Payload?
        var cache = LRUCache<String, Payload>(capacity: 1)
        do {
            let payload = Payload()
            released = payload
            cache.insert(payload, for: "a")
        }
        cache.insert(Payload(), for: "b")
        #expect(released == nil)
    }
}
