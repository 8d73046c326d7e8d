import CPunctualFCGI
import Logging

#if canImport(Glibc)
import Glibc
#endif

// Delivering answers, stopping, closing and sweeping: the I/O thread's side of a request's end.
extension ConnectionReactor {
    // MARK: - Delivering

    func deliver(_ completions: [ReactorMailbox.Completion]) {
        for completion in completions {
            guard let connection = connections[completion.token] else { continue }
            guard case let .handling(_, unreadBody) = connection.state else {
                handlingCount -= 1
                statistics.requestAbandoned()
                close(connection, reason: "peer left before the answer")
                continue
            }
            answer(completion.response, on: connection, unreadBody: unreadBody)
        }
    }

    func beginStopping(_ kind: ReactorMailbox.StopKind) {
        if stopping == nil {
            logger.debug("stopping: no new connections; answering \(handlingCount) request(s) in flight")
            if isAcceptor {
                epoll.remove(listener.fd)
                listener.close()
            }
            isListening = false
        }
        stopping = kind
        for connection in Array(connections.values) {
            switch connection.state {
            case .reading, .discarding: close(connection, reason: "server stopping")
            case let .handling(task, _): if kind == .immediate { task.cancel() }
            // A graceful stop lets answers finish (each within `writeTimeout`); an immediate one does not.
            case .writing: if kind == .immediate { failAnswer(on: connection, reason: "server stopping") }
            case .abandoned: break
            }
        }
    }

    // MARK: - Closing

    func close(_ connection: ReactorConnection, reason: String) {
        logger.trace("closing connection", metadata: ["connection": "\(connection.token)", "reason": "\(reason)"])
        switch connection.state {
        case let .handling(task, _):
            task.cancel()
            handlingCount -= 1
            statistics.requestAbandoned()
        case .writing:
            handlingCount -= 1
            statistics.requestFailed()
        case .reading, .discarding, .abandoned:
            break
        }
        connection.fcgi.close()
        connections[connection.token] = nil
        statistics.connectionClosed()
        resumeListeningIfPossible()
    }

    /// Once a second: closes connections whose request stalled half-way (a slow or
    /// malicious peer costs only its own connection), whose peer stopped reading its answer
    /// for `writeTimeout`, and connections idle too long.
    func sweepIfDue() {
        let now = clock.now
        guard now >= nextSweep else { return }
        nextSweep = now + .seconds(1)
        resumeListeningIfPossible()
        for connection in Array(connections.values) {
            if case let .discarding(until) = connection.state, now >= until {
                close(connection, reason: "request body too large")
            }
            if case let .writing(pending) = connection.state, now >= pending.deadline {
                failAnswer(on: connection, reason: "peer not reading: write timed out")
                continue
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
