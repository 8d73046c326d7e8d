import FastCGI
import Retrieval

/// The engine's timers, fired by the FastCGI server's I/O thread from its `epoll_wait`:
/// a request's deadline, a retrieval's budget and the simulated source's sleep resume their
/// waiter on the thread that then writes the answer, and wake no other thread.
enum TimersOnTheIOThread {
    /// Timers that `executor`'s I/O thread fires, attached to it.
    static func make(clock: ContinuousClock, executor: FastCGIExecutor) -> Timers<ContinuousClock> {
        let timers = Timers(clock: clock, driver: Driver(executor: executor))
        executor.drive(Fired(timers: timers))
        return timers
    }

    /// Tells the I/O thread of an earlier deadline.
    private struct Driver: TimerDriver {
        let executor: FastCGIExecutor

        func wake(by deadline: ContinuousClock.Instant) {
            executor.wake(by: deadline)
        }
    }

    /// What the I/O thread calls each round.
    private struct Fired: ReactorTimers {
        let timers: Timers<ContinuousClock>

        func fireDue(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
            timers.fireDue(now: now)
        }

        func driverEnded() {
            timers.driverEnded()
        }
    }
}
