import Synchronization

/// Opens once `countDown()` has been called `count` times; waiters return when it is open.
///
/// Tests use it as a readiness signal ("all sources have started"), and as a gate that a
/// source waits on with `waitIgnoringCancellation()`.
final class CountdownLatch: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var remaining: Int
        var nextID: UInt64 = 0
        var waiters: [Waiter] = []
    }

    private let state: Mutex<State>

    init(count: Int = 1) {
        state = Mutex(State(remaining: count))
    }

    func countDown() {
        let waiters = state.withLock { state -> [Waiter] in
            state.remaining -= 1
            guard state.remaining == 0 else {
                return []
            }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters {
            waiter.continuation.resume()
        }
    }

    /// Returns once the latch is open, or the task is cancelled (so a test's time limit
    /// can end a wait that would never finish).
    func wait() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await park(id: id, evenIfCancelled: false)
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume()
        }
    }

    /// Returns once the latch is open, whatever happens to the task: a source that
    /// ignores cancellation.
    func waitIgnoringCancellation() async {
        await park(id: 0, evenIfCancelled: true)
    }

    private func park(id: UInt64, evenIfCancelled: Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let returnNow = state.withLock { state in
                if state.remaining <= 0 || (Task.isCancelled && !evenIfCancelled) {
                    return true
                }
                state.waiters.append(Waiter(id: id, continuation: continuation))
                return false
            }
            if returnNow {
                continuation.resume()
            }
        }
    }
}
