extension Timers {
    /// Sleeps for `duration` on the sweeper; see `sleep(until:)`.
    public func sleep(for duration: Duration) async throws(CancellationError) {
        try await sleep(until: clock.now.advanced(by: duration))
    }

    /// A cancellable sleep built on the sweeper.
    ///
    /// Throws `CancellationError` as soon as the task is cancelled, removing its timer at
    /// once, so a cancelled sleep holds nothing until its deadline.
    public func sleep(until deadline: C.Instant) async throws(CancellationError) {
        if Task.isCancelled {
            throw CancellationError()
        }
        if clock.now >= deadline {
            return
        }
        let wakeUp = OneShot<Bool>()
        let handle = schedule(at: deadline) { wakeUp.resolve(true) }
        let reachedDeadline = await withTaskCancellationHandler {
            await wakeUp.wait()
        } onCancel: {
            self.cancel(handle)
            wakeUp.resolve(false)
        }
        if !reachedDeadline {
            throw CancellationError()
        }
    }
}
