import CPunctualFCGI
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The I/O thread's loop: one epoll instance over the listening socket and every
/// connection from the web server, idle kept-alive ones included.
///
/// A connection is handed to libfcgi only once `RecordScanner` has seen a complete
/// request in its buffer, so libfcgi's blocking reads never wait; each request then runs
/// as a task that prefers this same thread (`ReactorExecutor`), and its answer comes back
/// through the mailbox to be written here. Requests waiting for their deadlines cost a
/// task each, never a thread. All state below is confined to the I/O thread.
final class ConnectionReactor {
    private final class Connection {
        enum State {
            /// Waiting for a request: idle between requests, or part of one buffered.
            case reading
            /// A handler task is answering the request; `unreadBody` when the body was too
            /// large to read and must be discarded after the answer.
            case handling(Task<Void, Never>, unreadBody: Bool)
            /// Answered a request whose body was too large; reading and dropping the rest of
            /// it before closing, so the peer sees the answer rather than a reset.
            case discarding(until: ContinuousClock.Instant)
            /// The peer went away while its request was handled: close once the task ends.
            case abandoned
        }

        let token: UInt64
        let fcgi: FCGIConnection
        var state = State.reading
        /// When a started (or newly accepted) request must be complete; nil while idle.
        var readDeadline: ContinuousClock.Instant?
        var idleSince: ContinuousClock.Instant

        init(token: UInt64, fcgi: FCGIConnection, now: ContinuousClock.Instant, readDeadline: ContinuousClock.Instant) {
            self.token = token
            self.fcgi = fcgi
            self.idleSince = now
            self.readDeadline = readDeadline
        }
    }

    private static let wakeToken: UInt64 = 0
    private static let listenerToken: UInt64 = 1

    private let configuration: FastCGIServer.Configuration
    private let listener: ListeningSocket
    private let mailbox: ReactorMailbox
    private let executor: ReactorExecutor
    private let epoll: Epoll
    private let handler: FastCGIServer.Handler
    private let logger: Logger
    private let statistics: ServerStatistics
    private let scanner: RecordScanner
    private let peekBuffer: UnsafeMutableRawBufferPointer
    private let maxConnections: Int
    private let clock = ContinuousClock()

    private var connections: [UInt64: Connection] = [:]
    private var nextToken: UInt64 = 2
    private var handlingCount = 0
    private var isListening = true
    private var stopping: ReactorMailbox.StopKind?
    private var nextSweep: ContinuousClock.Instant
    /// Reused for every round of work taken from the mailbox.
    private var batch = ReactorMailbox.Batch()

    init(
        configuration: FastCGIServer.Configuration,
        listener: ListeningSocket,
        epoll: Epoll,
        executor: ReactorExecutor,
        maxConnections: Int,
        statistics: ServerStatistics,
        logger: Logger,
        handler: @escaping FastCGIServer.Handler
    ) throws(SystemError) {
        self.configuration = configuration
        self.listener = listener
        self.epoll = epoll
        self.mailbox = executor.mailbox
        self.executor = executor
        self.maxConnections = maxConnections
        self.logger = logger
        self.statistics = statistics
        self.handler = handler
        scanner = RecordScanner(maxParamsBytes: configuration.maxParamsBytes, maxBodyBytes: configuration.maxBodyBytes)
        // Room for the largest request accepted, with its record headers and some padding.
        peekBuffer = .allocate(byteCount: configuration.maxParamsBytes + configuration.maxBodyBytes + 4096, alignment: 8)
        nextSweep = clock.now
        try self.epoll.add(mailbox.wakeFD, token: Self.wakeToken, flags: EPOLLIN.rawValue)
        try self.epoll.add(listener.fd, token: Self.listenerToken, flags: EPOLLIN.rawValue)
    }

    deinit {
        peekBuffer.deallocate()
    }

    /// Serves until a stop is requested and every request in flight is answered.
    func run() {
        while stopping == nil || handlingCount > 0 {
            var woken = false
            epoll.wait(timeoutMilliseconds: mailbox.prepareToSleep() ? 1000 : 0) { event in
                switch event.token {
                case Self.wakeToken: woken = true
                case Self.listenerToken: acceptConnections()
                default: connectionEvent(event)
                }
            }
            mailbox.awake(drain: woken)
            runPendingWork()
            sweepIfDue()
        }
        for connection in Array(connections.values) {
            close(connection, reason: "server stopped")
        }
        listener.close()
        mailbox.close()
    }

    /// Runs the tasks' jobs and writes the answers they produced, a few rounds at most
    /// (jobs make more jobs), so that sockets are polled again soon.
    private func runPendingWork() {
        let unownedExecutor = executor.asUnownedTaskExecutor()
        for _ in 0..<4 {
            mailbox.take(into: &batch)
            for job in batch.jobs {
                job.runSynchronously(on: unownedExecutor)
            }
            deliver(batch.completions)
            if let stop = batch.stop, stopping.map({ $0 < stop }) ?? true {
                beginStopping(stop)
            }
            guard batch.hasWork else { return }
        }
    }

    // MARK: - Accepting

    private func acceptConnections() {
        while isListening, stopping == nil {
            guard connections.count < maxConnections else {
                pauseListening(reason: "\(maxConnections) connections open")
                return
            }
            guard let descriptor = listener.accept() else {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return
                case ECONNABORTED, EINTR, EPROTO: continue
                default:
                    pauseListening(reason: SystemError("accept").description)
                    return
                }
            }
            // Answers are small: send them at once (fails harmlessly on Unix sockets).
            var one: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let now = clock.now
            let connection = Connection(
                token: nextToken, fcgi: FCGIConnection(descriptor: descriptor),
                now: now, readDeadline: now + configuration.requestReadTimeout)
            nextToken += 1
            do {
                try epoll.add(descriptor, token: connection.token, flags: Epoll.connectionFlags)
            } catch {
                logger.warning("cannot watch a new connection", metadata: ["error": "\(error)"])
                continue  // `connection` closes its descriptor as it goes
            }
            connections[connection.token] = connection
            statistics.connectionOpened()
            // nginx sends the whole request with the connection: no need to wait a round.
            readRequest(on: connection)
        }
    }

    private func pauseListening(reason: String) {
        guard isListening else { return }
        isListening = false
        epoll.modify(listener.fd, token: Self.listenerToken, flags: 0)
        logger.warning("not accepting new connections for now", metadata: ["reason": "\(reason)"])
    }

    private func resumeListeningIfPossible() {
        guard !isListening, stopping == nil, connections.count < maxConnections else { return }
        isListening = true
        epoll.modify(listener.fd, token: Self.listenerToken, flags: EPOLLIN.rawValue)
    }

    // MARK: - Reading

    private func connectionEvent(_ event: Epoll.Event) {
        guard let connection = connections[event.token] else { return }
        switch connection.state {
        case .reading:
            readRequest(on: connection)
        case .discarding:
            discardInput(on: connection)
        case .handling(_, unreadBody: true):
            break  // the rest of the oversized body is still arriving
        case let .handling(task, unreadBody: false):
            // nginx sends nothing while it waits for an answer: a readable connection has
            // been closed (client abort, nginx's own timeout) or is misbehaving.
            task.cancel()
            connection.state = .abandoned
            logger.debug("peer left before the answer", metadata: ["connection": "\(connection.token)"])
        case .abandoned:
            break
        }
    }

    private func readRequest(on connection: Connection) {
        let buffered = recv(connection.fcgi.descriptor, peekBuffer.baseAddress, peekBuffer.count, Int32(MSG_PEEK | MSG_DONTWAIT))
        if buffered < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
        guard buffered > 0 else {
            close(connection, reason: buffered == 0 ? "peer closed" : SystemError("recv").description)
            return
        }
        let verdict = scanner.scan(UnsafeRawBufferPointer(rebasing: peekBuffer[..<buffered]), isFull: buffered == peekBuffer.count)
        switch verdict {
        case .incomplete:
            if connection.readDeadline == nil {
                connection.readDeadline = clock.now + configuration.requestReadTimeout
            }
        case let .invalid(reason):
            statistics.connectionRefused()
            close(connection, reason: "refused: \(reason)")
        case .complete, .bodyTooLarge:
            guard let request = connection.fcgi.readBufferedRequest(skipBody: verdict == .bodyTooLarge) else {
                close(connection, reason: "libfcgi refused the request")
                return
            }
            startHandling(request, on: connection)
            // The edge that brought the request may also have brought the peer's hang-up,
            // which epoll will not report again.
            if !request.bodyExceededLimit, recv(connection.fcgi.descriptor, peekBuffer.baseAddress, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) >= 0 {
                connectionEvent(Epoll.Event(token: connection.token, flags: 0))
            }
        }
    }

    private func startHandling(_ request: FastCGIRequest, on connection: Connection) {
        let token = connection.token
        let handler = handler
        let mailbox = mailbox
        connection.readDeadline = nil
        let task = Task(executorPreference: executor) {
            let response = await handler(request)
            mailbox.post(.init(token: token, response: response))
        }
        connection.state = .handling(task, unreadBody: request.bodyExceededLimit)
        handlingCount += 1
        statistics.requestStarted()
    }

    /// Reads and drops what the peer still sends, up to a limit; closes at its end.
    private func discardInput(on connection: Connection) {
        var total = 0
        while total < 16 * peekBuffer.count {
            let count = recv(connection.fcgi.descriptor, peekBuffer.baseAddress, peekBuffer.count, Int32(MSG_DONTWAIT))
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
            guard count > 0 else { break }
            total += count
        }
        close(connection, reason: "request body too large")
    }

    // MARK: - Answering

    private func deliver(_ completions: [ReactorMailbox.Completion]) {
        for completion in completions {
            guard let connection = connections[completion.token] else { continue }
            handlingCount -= 1
            guard case let .handling(_, unreadBody) = connection.state else {
                statistics.requestAbandoned()
                close(connection, reason: "peer left before the answer")
                continue
            }
            statistics.requestAnswered()
            // The request is over: whatever happens to the connection now is not an abandonment.
            connection.state = .reading
            if unreadBody {
                _ = connection.fcgi.finish(with: completion.response.encoded(), keepOpen: true)
                shutdown(connection.fcgi.descriptor, Int32(SHUT_WR))
                connection.state = .discarding(until: clock.now + configuration.requestReadTimeout)
                discardInput(on: connection)
                continue
            }
            let keptOpen = connection.fcgi.finish(with: completion.response.encoded())
            if keptOpen, stopping == nil {
                connection.idleSince = clock.now
            } else {
                close(connection, reason: keptOpen ? "server stopping" : "not kept alive")
            }
        }
    }

    private func beginStopping(_ kind: ReactorMailbox.StopKind) {
        if stopping == nil {
            logger.info("stopping: no new connections; answering \(handlingCount) request(s) in flight")
            epoll.remove(listener.fd)
            listener.close()
            isListening = false
        }
        stopping = kind
        for connection in Array(connections.values) {
            switch connection.state {
            case .reading, .discarding: close(connection, reason: "server stopping")
            case let .handling(task, _): if kind == .immediate { task.cancel() }
            case .abandoned: break
            }
        }
    }

    // MARK: - Closing

    private func close(_ connection: Connection, reason: String) {
        logger.trace("closing connection", metadata: ["connection": "\(connection.token)", "reason": "\(reason)"])
        if case let .handling(task, _) = connection.state {
            task.cancel()
            handlingCount -= 1
            statistics.requestAbandoned()
        }
        connection.fcgi.close()
        connections[connection.token] = nil
        statistics.connectionClosed()
        resumeListeningIfPossible()
    }

    /// Once a second: closes connections whose request stalled half-way (a slow or
    /// malicious peer costs only its own connection) and connections idle too long.
    private func sweepIfDue() {
        let now = clock.now
        guard now >= nextSweep else { return }
        nextSweep = now + .seconds(1)
        resumeListeningIfPossible()
        for connection in Array(connections.values) {
            if case let .discarding(until) = connection.state, now >= until {
                close(connection, reason: "request body too large")
            }
            guard case .reading = connection.state else { continue }
            if let deadline = connection.readDeadline, now >= deadline {
                close(connection, reason: "request not complete in time")
            } else if connection.readDeadline == nil, now - connection.idleSince >= configuration.idleTimeout {
                close(connection, reason: "idle")
            }
        }
    }
}
