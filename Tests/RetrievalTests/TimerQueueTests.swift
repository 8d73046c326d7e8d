import Testing

@testable import Retrieval

/// The heap under `Timers`, on its own.
@Suite
struct TimerQueueTests {
    typealias Entry = TimerQueue<Int>.Entry

    /// Pops everything, returning (deadline, sequence) pairs in the order they came out.
    private func drain(_ queue: inout TimerQueue<Int>) -> [[Int]] {
        var order: [[Int]] = []
        while let entry = queue.removeFirst() {
            order.append([entry.deadline, Int(entry.sequence)])
        }
        return order
    }

    @Test("Entries come out by deadline, then by sequence", arguments: [1, 2, 7, 100, 1000])
    func entriesComeOutInOrder(count: Int) {
        var generator = SystemRandomNumberGenerator()
        var queue = TimerQueue<Int>()
        var expected: [[Int]] = []
        for sequence in 0..<count {
            let deadline = Int.random(in: 0..<(count / 2 + 1), using: &generator)
            queue.insert(Entry(deadline: deadline, sequence: UInt64(sequence)))
            expected.append([deadline, sequence])
        }
        #expect(queue.count == count)
        #expect(drain(&queue) == expected.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) })
        #expect(queue.isEmpty)
    }

    @Test("A rebuild keeps only live entries, still in order")
    func rebuildKeepsLiveEntriesInOrder() {
        var queue = TimerQueue<Int>()
        for sequence in 0..<500 {
            queue.insert(Entry(deadline: (sequence * 7919) % 500, sequence: UInt64(sequence)))
        }
        queue.rebuild { $0.sequence % 3 == 0 }
        let order = drain(&queue)
        #expect(order.count == 167)
        #expect(order.allSatisfy { $0[1] % 3 == 0 })
        #expect(order == order.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) })
    }
}
