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
/// as a task that prefers this same thread (`FastCGIExecutor`), and its answer comes back
/// through the mailbox to be written here, as fast as the socket takes it. Requests waiting for their deadlines cost a
/// task each, never a thread. All state below is confined to the I/O thread.
final class ConnectionReactor {
    static let wakeToken: UInt64 = 0
    static let listenerToken: UInt64 = 1
    /// The most of a request looked at in one peek: one buffer per I/O thread, never
    /// megabytes per connection.
    static let peekLimit = 64 * 1024
    /// The most dropped in one go from a request over a limit, before giving up on it.
    static let discardLimit = 4 << 20

    let configuration: FastCGIServer.Configuration
    let shared: SharedListener
    var listener: ListeningSocket { shared.socket }
    /// This thread's place among the server's; the first accepts for all (`SharedListener`).
    let index: Int
    var isAcceptor: Bool { index == 0 }
    let mailbox: ReactorMailbox
    let executor: FastCGIExecutor
    let epoll: Epoll
    let handler: FastCGIServer.Handler
    let logger: Logger
    let statistics: ServerStatistics
    let scanner: RecordScanner
    let peekBuffer: UnsafeMutableRawBufferPointer
    /// Where libfcgi frames the answers before they are sent.
    let framing: FramingFile
    /// Where libfcgi reads the requests that were read record by record.
    let replayFile: ReplayFile
    let maxConnections: Int
    let clock = ContinuousClock()

    var connections: [UInt64: ReactorConnection] = [:]
    var nextToken: UInt64 = 2
    var handlingCount = 0
    var isListening = true
    var stopping: ReactorMailbox.StopKind?
    var nextSweep: ContinuousClock.Instant
    /// Reused for every round of work taken from the mailbox.
    var batch = ReactorMailbox.Batch()
    /// Reused for every answer's head (status line and headers).
    var headBuffer: [UInt8] = []

    init(
        configuration: FastCGIServer.Configuration,
        listener: SharedListener,
        index: Int,
        epoll: Epoll,
        executor: FastCGIExecutor,
        maxConnections: Int,
        statistics: ServerStatistics,
        logger: Logger,
        handler: @escaping FastCGIServer.Handler
    ) throws(SystemError) {
        self.configuration = configuration
        self.shared = listener
        self.index = index
        self.epoll = epoll
        self.mailbox = executor.mailbox
        self.executor = executor
        self.maxConnections = maxConnections
        self.logger = logger
        self.statistics = statistics
        self.handler = handler
        // Before the allocation below, which a throw would leak.
        framing = try FramingFile()
        replayFile = try ReplayFile()
        scanner = RecordScanner(maxParamsBytes: configuration.maxParamsBytes, maxBodyBytes: configuration.maxBodyBytes)
        // Room for any ordinary request (nginx sends about 1 KB) with its record headers;
        // larger ones are read record by record (`readRequestPiecewise(on:)`).
        peekBuffer = .allocate(
            byteCount: min(configuration.maxParamsBytes + configuration.maxBodyBytes, Self.peekLimit) + 4096,
            alignment: 8
        )
        nextSweep = clock.now
        try self.epoll.add(mailbox.wakeFD, token: Self.wakeToken, flags: EPOLLIN.rawValue)
        if index == 0 {
            try self.epoll.add(listener.socket.fd, token: Self.listenerToken, flags: EPOLLIN.rawValue)
        }
    }

    deinit {
        peekBuffer.deallocate()
    }

    /// Serves until a stop is requested and every request in flight is answered.
    func run() {
        let timers = mailbox.timers
        var nextTimer: ContinuousClock.Instant?
        while stopping == nil || handlingCount > 0 {
            var woken = false
            epoll.wait(timeoutMilliseconds: sleepTimeout(nextTimer: nextTimer)) { event in
                switch event.token {
                case Self.wakeToken: woken = true
                case Self.listenerToken: acceptConnections()
                default: connectionEvent(event)
                }
            }
            mailbox.awake(drain: woken)
            // Deadlines first: the waiters they resume run in the round below, here.
            nextTimer = timers?.fireDue(now: clock.now)
            runPendingWork()
            sweepIfDue()
        }
        for connection in Array(connections.values) {
            close(connection, reason: "server stopped")
        }
        if isAcceptor { listener.close() }
        mailbox.close()
        timers?.driverEnded()
    }

    /// How long `epoll_wait` may sleep: until the next timer or connection sweep, at most
    /// a second, rounded up to the millisecond (never early); 0 when work is waiting.
    private func sleepTimeout(nextTimer: ContinuousClock.Instant?) -> Int32 {
        let now = clock.now
        let latest = min(nextTimer ?? nextSweep, nextSweep, now + .seconds(1))
        guard let until = mailbox.prepareToSleep(until: latest) else { return 0 }
        guard until > now else { return 0 }
        let (seconds, attoseconds) = (until - now).components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(min(milliseconds, 1000))
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
            for descriptor in batch.connections {
                adopt(descriptor)
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
            guard statistics.connections < maxConnections else {
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
            let thread = shared.nextThread()
            if thread == index {
                adopt(descriptor)
            } else {
                shared.mailboxes[thread].hand(descriptor)
            }
        }
    }

    /// Serves a new connection from here on (one this thread accepted, or was handed).
    private func adopt(_ descriptor: Int32) {
        guard stopping == nil else {
            Glibc.close(descriptor)
            return
        }
        do {
            // Answers are small: send them at once (fails harmlessly on Unix sockets).
            var one: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let now = clock.now
            let connection = ReactorConnection(
                token: nextToken,
                fcgi: FCGIConnection(descriptor: descriptor),
                now: now,
                readDeadline: now + configuration.requestReadTimeout
            )
            nextToken += 1
            do {
                try epoll.add(descriptor, token: connection.token, flags: Epoll.connectionFlags)
            } catch {
                logger.warning("cannot watch a new connection", metadata: ["error": "\(error)"])
                return  // `connection` closes its descriptor as it goes
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

    func resumeListeningIfPossible() {
        guard isAcceptor, !isListening, stopping == nil, statistics.connections < maxConnections else { return }
        isListening = true
        epoll.modify(listener.fd, token: Self.listenerToken, flags: EPOLLIN.rawValue)
    }

    // MARK: - Reading

    func connectionEvent(_ event: Epoll.Event) {
        guard let connection = connections[event.token] else { return }
        switch connection.state {
        case .reading:
            let hangUp = EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue
            readRequest(on: connection, peerHungUp: event.flags & hangUp != 0)
        case .discarding:
            discardInput(on: connection)
        case .writing:
            continueWriting(on: connection)
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

    /// Reads a request once it is whole in the socket's buffer. `peerHungUp` is what the
    /// event that brought the input said of the peer (nil: no event did, as for a new
    /// connection), which spares a second look at the socket once the request is read.
    private func readRequest(on connection: ReactorConnection, peerHungUp: Bool? = nil) {
        guard connection.partialRequest == nil else {
            readRequestPiecewise(on: connection)
            return
        }
        let buffered = recv(
            connection.fcgi.descriptor,
            peekBuffer.baseAddress,
            peekBuffer.count,
            Int32(MSG_PEEK | MSG_DONTWAIT)
        )
        if buffered < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
        guard buffered > 0 else {
            close(connection, reason: buffered == 0 ? "peer closed" : SystemError("recv").description)
            return
        }
        let bytes = UnsafeRawBufferPointer(rebasing: peekBuffer[..<buffered])
        switch scanner.scan(bytes) {
        case .incomplete:
            // Not all here (it may never fit the socket's buffer, nor this one): read it off
            // the socket into the connection instead, record by record.
            connection.partialRequest = []
            readRequestPiecewise(on: connection)
        case let .invalid(reason):
            statistics.connectionRefused()
            logger.info("broken FastCGI stream: closing", metadata: ["reason": "\(reason)"])
            close(connection, reason: "refused: \(reason)")
        case let .paramsTooLarge(paramsStart):
            refuseParameters(beginRecord: Array(bytes[..<paramsStart]), on: connection)
        case let .complete(length):
            // Anything after the request, or the peer's hang-up, ends the wait for its
            // answer; a buffer peeked full may hold more than it shows.
            let moreInput = buffered < peekBuffer.count ? (peerHungUp.map { $0 || buffered > length }) : nil
            begin(connection.fcgi.readBufferedRequest(skipBody: false), on: connection, moreInput: moreInput)
        case .bodyTooLarge:
            // The parameters are buffered: libfcgi reads them, and the body is dropped later.
            begin(connection.fcgi.readBufferedRequest(skipBody: true), on: connection)
        }
    }

    /// Starts handling a request that libfcgi has read (nil: it refused it). `moreInput`
    /// says whether the peer sent anything after it or hung up, when that is known
    /// already; nil: look at the socket.
    func begin(_ request: FastCGIRequest?, on connection: ReactorConnection, moreInput: Bool? = nil) {
        guard let request else {
            close(connection, reason: "libfcgi refused the request")
            return
        }
        startHandling(request, on: connection)
        guard !request.bodyExceededLimit else { return }
        // The edge that brought the request may also have brought the peer's hang-up,
        // which epoll will not report again.
        let more =
            moreInput
            ?? (recv(connection.fcgi.descriptor, peekBuffer.baseAddress, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) >= 0)
        if more {
            connectionEvent(Epoll.Event(token: connection.token, flags: 0))
        }
    }

    func startHandling(_ request: FastCGIRequest, on connection: ReactorConnection) {
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

    /// Reads and drops what the peer still sends, up to a limit per wake-up (so that one
    /// peer cannot hold the thread); closes at its end.
    func discardInput(on connection: ReactorConnection) {
        var total = 0
        while total < Self.discardLimit {
            let count = recv(connection.fcgi.descriptor, peekBuffer.baseAddress, peekBuffer.count, Int32(MSG_DONTWAIT))
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
            guard count > 0 else { break }
            total += count
        }
        close(connection, reason: "request body too large")
    }
}
