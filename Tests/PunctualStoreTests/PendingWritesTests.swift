import PunctualJSON
import Retrieval
import Testing

@testable import PunctualStore

/// The queue between `save` and the writer, on its own: what waits, what a failed batch
/// puts back, and what is dropped when too much waits.
@Suite struct PendingWritesTests {
    @Test func onlyTheFirstSaveOfAnIdlePeriodSchedulesAWrite() {
        var pending = PendingWrites(limit: 10)
        let schedules = [
            pending.add(storedValue("a", "1")), pending.add(storedValue("b", "1")), pending.add(storedValue("a", "2")),
        ]
        #expect(schedules == [true, false, false])
        #expect(pending.waiting == 2)
        let batch = pending.takeBatch(scheduled: true)
        #expect(batch.latestPerKey().map(\.value.value.description).sorted() == ["1", "2"])
        #expect(pending.uncommitted == 2)
        pending.committed(2)
        #expect(pending.uncommitted == 0)
        let next = pending.add(storedValue("c", "1"))
        #expect(next)
    }

    @Test func aFailedBatchComesBackUnlessItsKeysWereSavedAgain() {
        var pending = PendingWrites(limit: 10)
        _ = pending.add(storedValue("a", "1"))
        _ = pending.add(storedValue("b", "1"))
        let batch = pending.takeBatch(scheduled: true)
        _ = pending.add(storedValue("a", "2"))
        let retry = pending.failed(putBack: batch.latestPerKey().sorted { $0.sequence < $1.sequence })
        #expect(!retry, "the save of a2 has scheduled a write already")
        #expect(pending.writeFailures == 1)
        let retried = pending.takeBatch(scheduled: true).latestPerKey()
        let byKey = Dictionary(uniqueKeysWithValues: retried.map { ($0.value.key, $0.value.value.description) })
        #expect(byKey == ["a": "2", "b": "1"])
    }

    @Test func beyondTheLimitTheOldestValuesOfAFailedBatchAreDropped() {
        var pending = PendingWrites(limit: 3)
        for key in ["a", "b", "c"] { _ = pending.add(storedValue(key, "1")) }
        let batch = pending.takeBatch(scheduled: true)
        let retry = pending.failed(putBack: batch.latestPerKey().sorted { $0.sequence < $1.sequence })
        #expect(retry)
        _ = pending.add(storedValue("d", "1"))
        _ = pending.add(storedValue("e", "1"))
        #expect(pending.waiting == 3)
        #expect(pending.valuesDropped == 2)
        let reported = [pending.takeDroppedCount(), pending.takeDroppedCount()]
        #expect(reported == [2, 0])
        let kept = pending.takeBatch(scheduled: true).latestPerKey().map(\.value.key).sorted()
        #expect(kept == ["c", "d", "e"])
    }

    @Test func afterCloseSavesAreDroppedAndNothingIsScheduled() {
        var pending = PendingWrites(limit: 3)
        _ = pending.add(storedValue("a", "1"))
        let lost = pending.close()
        #expect(lost == 1)
        let schedules = pending.add(storedValue("b", "1"))
        #expect(!schedules)
        #expect(pending.takeBatch(scheduled: true).isEmpty)
        #expect(pending.valuesDropped == 2)
    }
}
