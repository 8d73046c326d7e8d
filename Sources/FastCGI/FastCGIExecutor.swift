import Synchronization

/// Runs tasks on a FastCGI server's I/O thread, between its rounds of `epoll_wait`.
///
/// Requests, and the work they start and wait for (a retrieval), run where their bytes
/// are read and written: no thread is woken and no context switched on the way to the
/// answer. What runs here must never block.
///
/// It exists on its own, before any server, so that an application can build what its
/// handler needs (an engine whose retrievals should run on this thread) first, and the
/// server around that handler last: create the executor, build the engine with it, then
/// pass both to `FastCGIServer.init(configuration:logger:executor:handler:)`.
///
/// One executor serves one server. Jobs enqueued before that server runs wait until it
/// does; once it has ended, jobs run on the global concurrent executor, so that no task
/// is stranded.
public final class FastCGIExecutor: TaskExecutor {
    let mailbox: ReactorMailbox
    private let claimed = Atomic<Bool>(false)

    /// Creates the executor and the wake-up descriptor (an eventfd) its server's I/O thread
    /// sleeps on.
    public init() throws(SystemError) {
        mailbox = try ReactorMailbox()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        mailbox.enqueue(UnownedJob(job))
    }

    /// Lets the I/O thread fire `timers` from its own wait: it sleeps no longer than their
    /// earliest deadline. Attach them before the server runs; one set per executor.
    public func drive(_ timers: some ReactorTimers) {
        mailbox.attach(timers)
    }

    /// A timer of the attached `ReactorTimers` is due at `deadline`, earlier than any they
    /// returned: the I/O thread wakes by then. Costs no system call when called on the I/O
    /// thread itself, or when it is not sleeping past `deadline`.
    public func wake(by deadline: ContinuousClock.Instant) {
        mailbox.wake(by: deadline)
    }

    /// Marks the executor as a server's; false if another server has it already.
    func claim() -> Bool {
        !claimed.exchange(true, ordering: .relaxed)
    }
}
