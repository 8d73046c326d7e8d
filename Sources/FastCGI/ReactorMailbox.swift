import CPunctualFCGI
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Everything that reaches the I/O thread from elsewhere: jobs of tasks that prefer to
/// run there, finished responses, and a request to stop.
///
/// Posting wakes the I/O thread (through an eventfd) only while it sleeps in
/// `epoll_wait`, and only once until it wakes; work posted while it runs (most of it,
/// when requests run on the I/O thread itself) costs no system call.
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

    /// What the I/O thread takes in one go.
    struct Batch {
        var jobs: [UnownedJob] = []
        var completions: [Completion] = []
        var stop: StopKind?
        /// Connections the acceptor thread handed to this one.
        var connections: [Int32] = []

        var hasWork: Bool { !jobs.isEmpty || !completions.isEmpty || !connections.isEmpty }
    }

    private struct State {
        var batch = Batch()
        /// The I/O thread is in (or about to enter) `epoll_wait`.
        var sleeping = false
        /// Until when it sleeps, at the latest (set with `sleeping`).
        var sleepingUntil: ContinuousClock.Instant?
        /// The earliest timer deadline reported by `wake(by:)` since the I/O thread last
        /// looked at the timers.
        var timerWake: ContinuousClock.Instant?
        var timers: (any ReactorTimers)?
        /// An eventfd write is under way; no need for another.
        var wakePending = false
        /// The I/O thread has ended: jobs go to the global executor instead.
        var closed = false

        /// Returns true when the caller must write to the eventfd.
        mutating func needsWake() -> Bool {
            guard sleeping, !wakePending else { return false }
            wakePending = true
            return true
        }
    }

    private let state = Mutex(State())
    /// The eventfd the I/O thread's epoll watches.
    let wakeFD: Int32

    init() throws(SystemError) {
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw SystemError("eventfd") }
    }

    deinit {
        Glibc.close(wakeFD)
    }

    func enqueue(_ job: UnownedJob) {
        let (mustWake, closed) = state.withLock { state in
            guard !state.closed else { return (false, true) }
            state.batch.jobs.append(job)
            return (state.needsWake(), false)
        }
        if closed {
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        } else if mustWake {
            wake()
        }
    }

    func post(_ completion: Completion) {
        let mustWake = state.withLock { state in
            state.batch.completions.append(completion)
            return state.needsWake()
        }
        if mustWake { wake() }
    }

    /// A connection the acceptor thread accepted, for this thread to serve; closed at once
    /// if this thread has ended.
    func hand(_ descriptor: Int32) {
        let (mustWake, closed) = state.withLock { state in
            guard !state.closed else { return (false, true) }
            state.batch.connections.append(descriptor)
            return (state.needsWake(), false)
        }
        if closed {
            Glibc.close(descriptor)
        } else if mustWake {
            wake()
        }
    }

    func requestStop(_ kind: StopKind) {
        state.withLock { state in
            state.batch.stop = max(state.batch.stop ?? kind, kind)
        }
        wake()  // rare: always
    }

    func attach(_ timers: some ReactorTimers) {
        state.withLock { $0.timers = timers }
    }

    /// The timers the I/O thread fires, if any.
    var timers: (any ReactorTimers)? {
        state.withLock { $0.timers }
    }

    /// A timer is due at `deadline`: wakes the I/O thread if it sleeps past it.
    func wake(by deadline: ContinuousClock.Instant) {
        let mustWake = state.withLock { state in
            state.timerWake = min(state.timerWake ?? deadline, deadline)
            guard state.sleeping, let until = state.sleepingUntil, deadline < until, !state.wakePending else {
                return false
            }
            state.wakePending = true
            return true
        }
        if mustWake { wake() }
    }

    /// Called by the I/O thread before `epoll_wait`, with the latest it means to sleep
    /// until: the instant to sleep until (earlier if a timer reported since is due
    /// sooner), or nil if it must not sleep (work waits).
    func prepareToSleep(until latest: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        state.withLock { state in
            guard !state.batch.hasWork else { return nil }
            let until = min(state.timerWake ?? latest, latest)
            state.timerWake = nil
            state.sleeping = true
            state.sleepingUntil = until
            return until
        }
    }

    /// Called by the I/O thread after `epoll_wait`; `drain` when the eventfd was readable.
    func awake(drain: Bool) {
        state.withLock { state in
            state.sleeping = false
            state.sleepingUntil = nil
            state.wakePending = false
        }
        if drain {
            var value: eventfd_t = 0
            _ = eventfd_read(wakeFD, &value)
        }
    }

    /// Takes everything posted so far into `batch`, whose emptied arrays (their storage
    /// kept) take the place of the mailbox's: no allocation in the steady state. The stop
    /// request, if any, stays set.
    func take(into batch: inout Batch) {
        batch.jobs.removeAll(keepingCapacity: true)
        batch.completions.removeAll(keepingCapacity: true)
        batch.connections.removeAll(keepingCapacity: true)
        state.withLock { state in
            swap(&state.batch.jobs, &batch.jobs)
            swap(&state.batch.completions, &batch.completions)
            swap(&state.batch.connections, &batch.connections)
            batch.stop = state.batch.stop
        }
    }

    /// Once the I/O thread has ended, jobs still queued, and any enqueued later, run on
    /// the global executor, so that no task is stranded.
    func close() {
        let (jobs, connections) = state.withLock { state in
            state.closed = true
            defer {
                state.batch.jobs = []
                state.batch.connections = []
            }
            return (state.batch.jobs, state.batch.connections)
        }
        for descriptor in connections {
            Glibc.close(descriptor)
        }
        for job in jobs {
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
    }

    private func wake() {
        _ = eventfd_write(wakeFD, 1)
    }
}
