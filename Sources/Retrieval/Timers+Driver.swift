import Synchronization

extension Timers {
    /// Runs every action due at `now` and returns the earliest deadline still pending: the
    /// driver's side of `TimerDriver`. Call it only from the driver's thread.
    ///
    /// The actions run here, outside the lock, one after another: keep them short (resume
    /// a continuation).
    public func fireDue(now: C.Instant) -> C.Instant? {
        var next: C.Instant?
        let due = state.withLock { state in
            let (due, earliest) = state.takeDue(now: now)
            next = earliest
            return due
        }
        for action in due {
            action()
        }
        return next
    }

    /// The driver has stopped (its server ended): from now on the sweeper task fires the
    /// timers, those pending included, so no waiter is stranded.
    public func driverEnded() {
        let replaced = state.withLock { state in
            state.endDriver { generation in
                Task.detached { await self.sweep(generation: generation) }
            }
        }
        replaced?.cancel()
    }
}
