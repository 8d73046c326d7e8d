/// Everything `Timers` guards with its mutex, and the transitions between its states.
///
/// Every live action has exactly one entry in `queue`; the queue may also hold entries of
/// cancelled timers, which are dropped lazily (at the top, or in a rebuild once they are
/// more than half of it), so cancelling is O(1) and memory stays bounded.
struct TimersState<Instant: InstantProtocol> {
    typealias Action = @Sendable () -> Void

    /// The one sweeper task, if any.
    enum Sweeper {
        case idle
        /// Running as `generation`; `sleepingUntil` is nil while it fires actions or is
        /// about to look at the queue again.
        case running(Task<Void, Never>, generation: UInt64, sleepingUntil: Instant?)
    }

    /// What the sweeper should do next.
    enum SweepStep {
        /// Run these actions, then ask again.
        case fire([Action])
        /// Sleep on the clock until this instant, then ask again.
        case sleep(until: Instant)
        /// Nothing is pending, or a newer sweeper took over: end the task.
        case exit
    }

    /// Who must be woken for a newly scheduled timer.
    enum Wake {
        /// Nobody: whoever fires the timers already wakes by then.
        case none
        /// The sweeper task: start one (a new generation).
        case sweeper
        /// The driver: tell it of the earlier deadline.
        case driver
    }

    /// Whether a driver fires the timers (until `endDriver`), and the earliest deadline it
    /// has been told of, or returned by `takeDue`.
    private var driven: Bool
    private var driverWakesBy: Instant?

    private var queue = TimerQueue<Instant>()
    private var actions: [UInt64: Action] = [:]
    private var nextSequence: UInt64 = 0
    private var sweeper = Sweeper.idle
    private var sweeperGeneration: UInt64 = 0

    /// Timers scheduled and neither fired nor cancelled.
    var pendingCount: Int { actions.count }

    /// Entries in the heap, live or cancelled.
    var queueCount: Int { queue.count }

    init(driven: Bool = false) {
        self.driven = driven
    }

    /// Adds a timer; says who must be woken: a sweeper must be started when none runs or
    /// the running one sleeps past `deadline`; a driver must be told when `deadline` is
    /// earlier than any it knows of.
    mutating func schedule(
        at deadline: Instant,
        _ action: @escaping Action
    ) -> (sequence: UInt64, wake: Wake) {
        let sequence = nextSequence
        nextSequence += 1
        queue.insert(.init(deadline: deadline, sequence: sequence))
        actions[sequence] = action
        if driven {
            guard driverWakesBy.map({ deadline < $0 }) ?? true else { return (sequence, .none) }
            driverWakesBy = deadline
            return (sequence, .driver)
        }
        switch sweeper {
        case .idle:
            return (sequence, .sweeper)
        case .running(_, _, let sleepingUntil?) where deadline < sleepingUntil:
            return (sequence, .sweeper)
        case .running:
            return (sequence, .none)
        }
    }

    /// The driver's round at `now`: removes the actions due, and returns them with the
    /// earliest live deadline left, which the driver will wake by.
    mutating func takeDue(now: Instant) -> (due: [Action], next: Instant?) {
        var due: [Action] = []
        while let first = queue.first, first.deadline <= now {
            queue.removeFirst()
            if let action = actions.removeValue(forKey: first.sequence) {
                due.append(action)
            }
        }
        while let first = queue.first, actions[first.sequence] == nil {
            queue.removeFirst()
        }
        driverWakesBy = queue.first?.deadline
        return (due, driverWakesBy)
    }

    /// Hands the timers from the driver to a sweeper, started now if any is pending;
    /// returns the sweeper it replaces, if any, for the caller to cancel.
    mutating func endDriver(
        _ makeSweeper: (_ generation: UInt64) -> Task<Void, Never>
    ) -> Task<Void, Never>? {
        guard driven else { return nil }
        driven = false
        driverWakesBy = nil
        guard !actions.isEmpty else { return nil }
        return startSweeper(makeSweeper)
    }

    /// Makes the task `makeSweeper` returns the sweeper, as a new generation; returns the
    /// one it replaces, which the caller cancels (outside the lock) to end its sleep.
    mutating func startSweeper(
        _ makeSweeper: (_ generation: UInt64) -> Task<Void, Never>
    ) -> Task<Void, Never>? {
        sweeperGeneration += 1
        var replaced: Task<Void, Never>?
        if case .running(let task, _, _) = sweeper {
            replaced = task
        }
        sweeper = .running(makeSweeper(sweeperGeneration), generation: sweeperGeneration, sleepingUntil: nil)
        return replaced
    }

    /// Removes a pending timer and returns its action, for the caller to release outside
    /// the lock; nil if it already fired or was cancelled.
    mutating func cancel(_ sequence: UInt64) -> Action? {
        guard let action = actions.removeValue(forKey: sequence) else {
            return nil
        }
        if queue.count - actions.count > queue.count / 2 {
            let live = actions
            queue.rebuild { live[$0.sequence] != nil }
        }
        return action
    }

    /// The sweeper `generation` asks what to do at `now`.
    mutating func nextSweep(now: Instant, generation: UInt64) -> SweepStep {
        guard case .running(let task, let current, _) = sweeper, current == generation else {
            return .exit
        }
        var due: [Action] = []
        while let first = queue.first, first.deadline <= now {
            queue.removeFirst()
            if let action = actions.removeValue(forKey: first.sequence) {
                due.append(action)
            }
        }
        if !due.isEmpty {
            sweeper = .running(task, generation: generation, sleepingUntil: nil)
            return .fire(due)
        }
        // Sleep until the earliest live deadline, not a cancelled one.
        while let first = queue.first, actions[first.sequence] == nil {
            queue.removeFirst()
        }
        guard let next = queue.first else {
            sweeper = .idle
            return .exit
        }
        sweeper = .running(task, generation: generation, sleepingUntil: next.deadline)
        return .sleep(until: next.deadline)
    }
}
