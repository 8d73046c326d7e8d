/// An event loop that fires a `Timers`' deadlines from its own wait, in place of the
/// sweeper task.
///
/// A server whose I/O thread sleeps in `epoll_wait` can sleep until the earliest deadline
/// and fire it there: the waiter it resumes runs on that same thread, so an answer due at
/// a deadline wakes no other thread. The driver calls `Timers.fireDue(now:)` each round and
/// sleeps no longer than the deadline it returns; `wake(by:)` tells it of an earlier one
/// scheduled meanwhile.
public protocol TimerDriver<Instant>: Sendable {
    associatedtype Instant: InstantProtocol

    /// A timer is now due at `deadline`, earlier than any the driver was told of since its
    /// last `fireDue(now:)`: the driver must call `fireDue(now:)` again by then (waking up
    /// if it sleeps past it). Called from any thread, under no lock of the timers; cheap
    /// when the caller is the driver's own thread.
    func wake(by deadline: Instant)
}
