import Synchronization

/// One shared deadline sweeper for many timers.
///
/// A single task sleeps on the clock until the earliest deadline and fires everything
/// due. That is cheaper than one `Task.sleep` per request, and cancelling a timer frees
/// it at once, where a cancelled `Task.sleep` keeps its timer alive until its original
/// deadline. The sweeper starts when a timer is scheduled and ends when none is pending.
///
/// ```swift
/// let timers = Timers(clock: ContinuousClock())
/// let handle = timers.schedule(at: .now + .seconds(5)) { print("late") }
/// timers.cancel(handle)
/// ```
public final class Timers<C: Clock>: Sendable where C.Duration == Duration {
    /// Names one scheduled timer, to cancel it.
    public struct Handle: Sendable, Hashable {
        /// The timer's scheduling order; unique per `Timers`.
        let sequence: UInt64
    }

    let clock: C
    let state: Mutex<TimersState<C.Instant>>
    /// The event loop that fires the timers, if not the sweeper task.
    let driver: (any TimerDriver<C.Instant>)?

    /// Creates timers that measure deadlines on `clock`, fired by a sweeper task.
    public init(clock: C) {
        self.clock = clock
        self.driver = nil
        state = Mutex(TimersState())
    }

    /// Creates timers that `driver` fires from its own wait (an I/O thread's
    /// `epoll_wait`), calling `fireDue(now:)`; see `TimerDriver`.
    public init(clock: C, driver: some TimerDriver<C.Instant>) {
        self.clock = clock
        self.driver = driver
        state = Mutex(TimersState(driven: true))
    }

    /// Runs `action` once at `deadline` (from the sweeper task, or the driver) unless
    /// cancelled first.
    ///
    /// Keep `action` short and non-blocking (resume a continuation, say): the sweeper runs
    /// the actions that are due one after another.
    public func schedule(at deadline: C.Instant, _ action: @escaping @Sendable () -> Void) -> Handle {
        let (sequence, replaced, wakeDriver) = state.withLock { state in
            let (sequence, wake) = state.schedule(at: deadline, action)
            switch wake {
            case .none:
                return (sequence, Task<Void, Never>?.none, false)
            case .driver:
                return (sequence, nil, true)
            case .sweeper:
                let replaced = state.startSweeper { generation in
                    Task.detached { await self.sweep(generation: generation) }
                }
                return (sequence, replaced, false)
            }
        }
        // Waking a sweeper (or driver) that sleeps past the new deadline: rare, deadlines
        // mostly arrive in increasing order.
        replaced?.cancel()
        if wakeDriver { driver?.wake(by: deadline) }
        return Handle(sequence: sequence)
    }

    /// Cancels a timer. Returns true if it was still pending (and is now removed, its
    /// action released); false if it already fired or was cancelled.
    @discardableResult
    public func cancel(_ handle: Handle) -> Bool {
        let action = state.withLock { $0.cancel(handle.sequence) }
        // `action` is released here, outside the lock, in case a deinit calls back in.
        return action != nil
    }

    /// Timers scheduled and neither fired nor cancelled.
    public var pendingCount: Int {
        state.withLock { $0.pendingCount }
    }

    /// Heap entries, cancelled ones included; for tests of the rebuild.
    var queueCount: Int {
        state.withLock { $0.queueCount }
    }
}
