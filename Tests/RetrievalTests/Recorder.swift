import Synchronization

/// Collects values from any task, in arrival order, and lets a test wait for a count.
final class Recorder<Element: Sendable>: Sendable {
    private struct Waiter {
        var id: UInt64
        var count: Int
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var elements: [Element] = []
        var nextID: UInt64 = 0
        var waiters: [Waiter] = []
    }

    private let state = Mutex(State())

    init() {}

    var elements: [Element] { state.withLock { $0.elements } }

    /// Records `element`; returns how many have been recorded now.
    @discardableResult
    func append(_ element: Element) -> Int {
        let (count, ready) = state.withLock { state in
            state.elements.append(element)
            let count = state.elements.count
            let ready = state.waiters.filter { $0.count <= count }
            state.waiters.removeAll { $0.count <= count }
            return (count, ready)
        }
        for waiter in ready {
            waiter.continuation.resume()
        }
        return count
    }

    /// Returns once at least `count` values have been recorded, or the task is cancelled
    /// (so a test's time limit can end a wait that would never finish).
    func waitForCount(_ count: Int) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    if Task.isCancelled || state.elements.count >= count {
                        return true
                    }
                    state.waiters.append(Waiter(id: id, count: count, continuation: continuation))
                    return false
                }
                if ready {
                    continuation.resume()
                }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume()
        }
    }
}
