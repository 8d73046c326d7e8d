import CPunctualFCGI
import Logging

#if canImport(Glibc)
import Glibc
#endif

// Writing answers, stopping, closing and sweeping: the I/O thread's side of a request's end.
extension ConnectionReactor {
    // MARK: - Answering

    func deliver(_ completions: [ReactorMailbox.Completion]) {
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

    func beginStopping(_ kind: ReactorMailbox.StopKind) {
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

    func close(_ connection: ReactorConnection, reason: String) {
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
    func sweepIfDue() {
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
