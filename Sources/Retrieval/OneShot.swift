import Synchronization

/// Hands the first of several competing results to one waiting task.
///
/// A deadline race has up to four parties that may finish it (the source, its error, the
/// timer, the caller's cancellation); each calls `resolve`, the first one wins and the
/// others do nothing. Unlike a task group, nobody waits for the losers.
///
/// ```swift
/// let winner = OneShot<Int>()
/// timers.schedule(at: deadline) { winner.resolve(0) }
/// let value = await winner.wait()
/// ```
final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        /// Nobody has resolved or waited yet.
        case pending
        /// The waiter is suspended; the first `resolve` resumes it.
        case waiting(CheckedContinuation<Value, Never>)
        /// Resolved before anybody waited; `wait` returns this at once.
        case resolved(Value)
        /// The waiter has its value; later results are dropped.
        case delivered
    }

    private let state = Mutex<State>(.pending)

    init() {}

    /// Offers `value` as the result; returns false (and drops it) if another came first.
    @discardableResult
    func resolve(_ value: Value) -> Bool {
        let (won, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Value, Never>?) in
            switch state {
            case .pending:
                state = .resolved(value)
                return (true, nil)
            case .waiting(let continuation):
                state = .delivered
                return (true, continuation)
            case .resolved, .delivered:
                return (false, nil)
            }
        }
        waiter?.resume(returning: value)
        return won
    }

    /// Suspends until the first result arrives. Call it at most once.
    ///
    /// Cancellation does not end the wait: put a `resolve` in a cancellation handler.
    func wait() async -> Value {
        await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
            let early: Value? = state.withLock { state in
                switch state {
                case .pending:
                    state = .waiting(continuation)
                    return nil
                case .resolved(let value):
                    state = .delivered
                    return value
                case .waiting, .delivered:
                    preconditionFailure("OneShot.wait() called twice")
                }
            }
            if let early {
                continuation.resume(returning: early)
            }
        }
    }
}
