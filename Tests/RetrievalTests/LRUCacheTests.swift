import Testing

@testable import Retrieval

@Suite struct LRUCacheTests {
    @Test func evictsTheLeastRecentlyUsedBeyondCapacity() {
        var cache = LRUCache<String, Int>(capacity: 3)
        for (index, key) in ["a", "b", "c", "a", "d", "e"].enumerated() {
            cache.withEntry(key, create: { 0 }) { $0 = index }
        }
        #expect(cache.keysByRecency == ["e", "d", "a"])
        #expect(cache.peek("a") == 3)
        #expect(cache.peek("b") == nil)
    }

    @Test func keepsPinnedEntriesEvenWhenOldest() {
        var cache = LRUCache<String, Int>(capacity: 2) { $0 < 0 }
        cache.withEntry("pinned", create: { -1 }) { _ in }
        cache.withEntry("x", create: { 1 }) { _ in }
        cache.withEntry("y", create: { 2 }) { _ in }
        #expect(cache.keysByRecency == ["y", "pinned"])
    }

    @Test func updateDoesNotChangeRecencyNorCreate() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.withEntry("a", create: { 1 }) { _ in }
        cache.withEntry("b", create: { 2 }) { _ in }
        #expect(cache.update("a") { $0 += 10 } != nil)
        #expect(cache.update("missing") { $0 += 10 } == nil)
        cache.withEntry("c", create: { 3 }) { _ in }
        #expect(cache.keysByRecency == ["c", "b"], "a stayed the least recently used")
    }

    @Test func releasesEvictedValuesAtOnce() {
        final class Payload {}
        weak var released: Payload?
        var cache = LRUCache<String, Payload>(capacity: 1)
        do {
            let payload = Payload()
            released = payload
            cache.withEntry("a", create: { payload }) { _ in }
        }
        cache.withEntry("b", create: { Payload() }) { _ in }
        #expect(released == nil)
    }
}
