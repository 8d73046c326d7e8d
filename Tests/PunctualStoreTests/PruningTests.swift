import PunctualJSON
import PunctualStore
import PunctualTestSupport
import Retrieval
import Testing

@Suite(.timeLimit(.minutes(2))) struct PruningTests {
    @Test func pruningKeepsTheNewestValuesAndThoseOfPinnedKeys() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            try await withStore(at: path) { store in
                for index in 1...10 { store.save(storedValue("k\(index)", "\(index)", atMicroseconds: Int64(index))) }
                await store.flush()
                let deleted = try await store.prune(keepingNewest: 3, pinned: ["k1", "absent"])
                #expect(deleted == 6)
            }
            #expect(try await reopenedValues(at: path).keys.sorted() == ["k1", "k10", "k8", "k9"])
        }
    }

    @Test func aValueSavedBeforePruningCountsAsTheNewestItIs() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            try await withStore(at: path) { store in
                for index in 1...5 { store.save(storedValue("k\(index)", "\(index)", atMicroseconds: Int64(index))) }
                await store.flush()
                store.save(storedValue("k1", "again", atMicroseconds: 100))
                try await store.prune(keepingNewest: 1)
            }
            let values = try await reopenedValues(at: path)
            #expect(values.mapValues(\.value.description) == ["k1": "again"])
        }
    }
}
