import Synchronization

/// What crosses from tasks and other threads to the I/O thread: finished responses and
/// a request to stop. Posting wakes the I/O thread once per batch, not once per item.
final class ReactorMailbox: Sendable {
    struct Completion: Sendable {
        let token: UInt64
        let response: FastCGIResponse
    }

    enum StopKind: Sendable, Comparable {
        /// Stop accepting, answer what is in flight, then end.
        case graceful
        /// As `graceful`, and cancel the handlers still running.
        case immediate
    }

    private struct State {
        var completions: [Completion] = []
        var stop: StopKind?
        var wakePending = false

        /// Returns true when the caller must write to the eventfd (no wake-up is pending yet).
        mutating func markWakePending() -> Bool {
            defer { wakePending = true }
            return !wakePending
        }
    }

    private let state = Mutex(State())
    private let wakeFD: Int32

    init(wakeFD: Int32) {
        self.wakeFD = wakeFD
    }

    func post(_ completion: Completion) {
        let mustWake = state.withLock { state in
            state.completions.append(completion)
            return state.markWakePending()
        }
        if mustWake { Epoll.wake(wakeFD) }
    }

    func requestStop(_ kind: StopKind) {
        let mustWake = state.withLock { state in
            state.stop = max(state.stop ?? kind, kind)
            return state.markWakePending()
        }
        if mustWake { Epoll.wake(wakeFD) }
    }

    /// Takes everything posted so far; the next post wakes the I/O thread again.
    func take() -> (completions: [Completion], stop: StopKind?) {
        state.withLock { state in
            defer {
                state.completions.removeAll(keepingCapacity: true)
                state.wakePending = false
            }
            return (state.completions, state.stop)
        }
    }
}
