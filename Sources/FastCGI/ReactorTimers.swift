/// Deadlines kept elsewhere (an engine's timers) that a FastCGI server's I/O thread fires
/// from its own `epoll_wait`, so that a waiter due at a deadline is resumed on the thread
/// that writes its answer, and no other thread is woken for it.
///
/// Attach them with `FastCGIExecutor.drive(_:)`; tell the executor of an earlier deadline
/// with `FastCGIExecutor.wake(by:)`.
public protocol ReactorTimers: Sendable {
    /// Runs what is due at `now`; returns the earliest deadline still pending, if any.
    /// Called on the I/O thread, once per round of its loop.
    func fireDue(now: ContinuousClock.Instant) -> ContinuousClock.Instant?

    /// The I/O thread has ended: whatever is still pending must be fired some other way.
    func driverEnded()
}
