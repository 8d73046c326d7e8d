import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A FastCGI responder on libfcgi that runs each request as a Swift task.
///
/// It owns the listening socket and one I/O thread of its own, which reads requests,
/// runs their handlers as tasks between its rounds of `epoll_wait` (so a handler must
/// never block), and writes the answers, of any size, as fast as the web server reads them.
/// Handlers never touch a socket. Requests that
/// wait (for a slow retrieval, a deadline) cost a task each, however many there are.
/// Run it as a `Service`: a graceful shutdown stops accepting, answers the requests in
/// flight and removes the socket.
///
/// ```swift
/// let server = try FastCGIServer(
///     configuration: .init(address: .unixSocket(path: "/run/app.sock", mode: 0o660)),
///     logger: logger
/// ) { request in
///     FastCGIResponse(status: 200, body: Array("hello".utf8))
/// }
/// try await ServiceGroup(services: [server], logger: logger).run()
/// ```
public final class FastCGIServer: Service, Sendable {
    public typealias Handler = @Sendable (FastCGIRequest) async -> FastCGIResponse

    public struct Configuration: Sendable {
        /// Where to listen.
        public var address: ListenAddress
        /// The largest request body read and given to the handler (nginx's default
        /// `client_max_body_size` is 1 MiB). A larger one is not read: the handler sees
        /// `bodyExceededLimit` (and should answer 413), the rest of the body is dropped and
        /// the connection closed after the answer.
        public var maxBodyBytes = 1 << 20
        /// The most bytes of CGI parameters, names, values and their lengths (nginx sends
        /// about 1 KB; long cookies and many headers can reach far more). Beyond it the
        /// server answers a JSON 431 itself, drops the rest of the request and closes the
        /// connection, so that nginx passes the answer on rather than a 502.
        public var maxParamsBytes = 1 << 20
        /// How long a request may take to arrive once begun (and a new connection to send
        /// one). A peer that stalls half-way is cut off after this.
        public var requestReadTimeout: Duration = .seconds(10)
        /// How long an idle kept-alive connection stays open (nginx closes its own after
        /// `keepalive_timeout`, 60 s by default).
        public var idleTimeout: Duration = .seconds(300)
        /// The longest the socket may take no byte of an answer (the web server has stopped
        /// reading it). The connection is then closed and the request counted as failed
        /// (`ServerStatistics.requestsFailed`). Answers of any size are written whole, as
        /// fast as the web server reads them; nginx buffers them, so this is only reached
        /// when the peer is stuck or gone.
        public var writeTimeout: Duration = .seconds(30)

        public init(address: ListenAddress) {
            self.address = address
        }
    }

    private let configuration: Configuration
    private let listener: ListeningSocket
    private let logger: Logger
    private let handler: Handler
    private let state = Mutex(RunState.idle)
    /// One per I/O thread; the first is `taskExecutor`.
    private let executors: [FastCGIExecutor]
    private var executor: FastCGIExecutor { executors[0] }

    /// Live counts of connections and requests.
    public let statistics: ServerStatistics

    private enum RunState {
        case idle
        case running
        case finished
    }

    /// Opens the listening socket at once, so that a bad address fails at start-up. The
    /// server creates its own executor (`taskExecutor`).
    public convenience init(
        configuration: Configuration,
        logger: Logger,
        handler: @escaping Handler
    ) throws(SystemError) {
        try self.init(configuration: configuration, logger: logger, executor: FastCGIExecutor(), handler: handler)
    }

    /// As `init(configuration:logger:handler:)`, for a handler built around the server's
    /// `taskExecutor`: what the handler starts and waits for (a retrieval) can then run on
    /// the I/O thread too, with no thread hop on the way to the answer.
    ///
    /// Kept for callers that build the server first; an application that builds its engine
    /// first creates a `FastCGIExecutor` and uses `init(configuration:logger:executor:handler:)`.
    public convenience init(
        configuration: Configuration,
        logger: Logger,
        makeHandler: (_ taskExecutor: any TaskExecutor) -> Handler
    ) throws(SystemError) {
        let executor = try FastCGIExecutor()
        try self.init(configuration: configuration, logger: logger, executor: executor, handler: makeHandler(executor))
    }

    /// A server whose I/O thread runs `executor`'s jobs: the composition an application
    /// wants, where the engine (built with `executor`, so its retrievals run on the I/O
    /// thread) and the handler around it exist before the server does.
    ///
    /// Opens the listening socket at once, so that a bad address fails at start-up. Throws
    /// (`EBUSY`) if `executor` already belongs to another server: an executor's jobs run on
    /// one I/O thread. Pass `statistics` when the handler reports them (a status page), since
    /// the handler exists before the server.
    public convenience init(
        configuration: Configuration,
        logger: Logger,
        executor: FastCGIExecutor,
        statistics: ServerStatistics = ServerStatistics(),
        handler: @escaping Handler
    ) throws(SystemError) {
        try self.init(
            configuration: configuration,
            logger: logger,
            executors: [executor],
            statistics: statistics,
            handler: handler
        )
    }

    /// A server with one I/O thread per executor (`--io-threads`): each has its own epoll,
    /// its own connections, and runs its executor's jobs; they share the listening socket,
    /// and a connection is served wholly by the thread that accepted it.
    ///
    /// Build what the handler needs around the executors first: work a request starts
    /// should run on `FastCGIExecutor.current`, its own thread's.
    public init(
        configuration: Configuration,
        logger: Logger,
        executors: [FastCGIExecutor],
        statistics: ServerStatistics = ServerStatistics(),
        handler: @escaping Handler
    ) throws(SystemError) {
        guard !executors.isEmpty else { throw SystemError("a FastCGIServer needs an executor", code: EINVAL) }
        for executor in executors where !executor.claim() {
            throw SystemError("executor already serves another FastCGIServer", code: EBUSY)
        }
        LibFCGI.initialize()
        Self.raiseDescriptorLimit()
        self.configuration = configuration
        self.listener = try ListeningSocket.open(configuration.address)
        self.executors = executors
        self.statistics = statistics
        self.logger = logger
        self.handler = handler
    }

    deinit {
        listener.close()
    }

    /// Runs tasks on the server's I/O thread, where request handlers run too: the executor
    /// given to `init(configuration:logger:executor:handler:)`, or the one the server made.
    ///
    /// Give it to work that requests start and wait for (a retrieval), so that it stays on
    /// that thread: no thread hop on the way to the answer. Such work must never block.
    public var taskExecutor: any TaskExecutor { executor }

    /// Whether only this machine can connect: a Unix socket or a loopback address.
    public var isLocalOnly: Bool { listener.isLocalOnly }

    /// Serves until a graceful shutdown (then answers what is in flight) or cancellation
    /// (then also cancels the handlers still running).
    public func run() async throws {
        let alreadyRan = state.withLock { state in
            guard case .idle = state else { return true }
            state = .running
            return false
        }
        guard !alreadyRan else { return }
        let shared = SharedListener(listener, mailboxes: executors.map(\.mailbox))
        var reactors: [ConnectionReactor] = []
        for (index, executor) in executors.enumerated() {
            reactors.append(
                try ConnectionReactor(
                    configuration: configuration,
                    listener: shared,
                    index: index,
                    epoll: try Epoll(),
                    executor: executor,
                    maxConnections: Self.connectionLimit(),
                    statistics: statistics,
                    logger: logger,
                    handler: handler
                )
            )
        }
        var finished: [ReactorFinished] = []
        for (index, reactor) in reactors.enumerated() {
            let done = ReactorFinished()
            finished.append(done)
            let executor = executors[index]
            do {
                try IOThread.spawn(name: index == 0 ? "fcgi-io" : "fcgi-io-\(index)") {
                    [reactor = UncheckedReactor(reactor)] in
                    executor.becomeCurrent()
                    reactor.value.run()
                    done.signal()
                }
            } catch {
                // The threads already running stop; the error is this server's.
                stop(.immediate)
                for done in finished.dropLast() { await done.wait() }
                throw error
            }
        }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                for done in finished { await done.wait() }
            } onCancel: {
                self.stop(.immediate)
            }
        } onGracefulShutdown: {
            self.logger.info(
                "stopping: no new connections; answering the \(self.statistics.requestsInFlight) request(s) in flight"
            )
            self.stop(.graceful)
        }
        state.withLock { $0 = .finished }
    }

    /// Stops accepting and ends `run()` once the requests in flight are answered.
    public func stop() {
        stop(.graceful)
    }

    private func stop(_ kind: ReactorMailbox.StopKind) {
        for executor in executors { executor.mailbox.requestStop(kind) }
    }

    /// Each kept-alive connection from nginx is a descriptor: allow as many as the hard
    /// limit does (the default soft limit of 1024 is below what 1000 waiting requests need).
    private static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// The most connections served at once, leaving descriptors for everything else.
    private static func connectionLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 960 }
        return max(64, Int(min(limit.rlim_cur, 1 << 20)) - 64)
    }
}

/// The reactor moves, once, from the task that builds it to the I/O thread, and is used
/// only there afterwards.
private struct UncheckedReactor: @unchecked Sendable {
    let value: ConnectionReactor
    init(_ value: ConnectionReactor) { self.value = value }
}

/// Lets `run()` await the I/O thread's end without blocking a thread of the pool.
private final class ReactorFinished: Sendable {
    private enum State {
        case running([CheckedContinuation<Void, Never>])
        case finished
    }

    private let state = Mutex(State.running([]))

    func signal() {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            guard case let .running(waiters) = state else { return [] }
            state = .finished
            return waiters
        }
        waiters.forEach { $0.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let finished = state.withLock { state in
                guard case var .running(waiters) = state else { return true }
                waiters.append(continuation)
                state = .running(waiters)
                return false
            }
            if finished { continuation.resume() }
        }
    }
}
