import CPunctualFCGI
import Logging

#if canImport(Glibc)
import Glibc
#endif

// Writing answers of any size: libfcgi frames them into the framing file, the socket takes
// what it can at once, and the rest waits in the connection for EPOLLOUT.
extension ConnectionReactor {
    /// Frames `response` and sends it: whole at once on the fresh path (one `sendfile`),
    /// else what the socket takes, the rest kept for `continueWriting(on:)`.
    func answer(_ response: FastCGIResponse, on connection: ReactorConnection, unreadBody: Bool) {
        guard let keepAlive = connection.fcgi.frame(response, head: &headBuffer, into: framing),
            let length = framing.pendingLength
        else {
            framing.consume(nil)
            failAnswer(on: connection, reason: "libfcgi could not frame the answer")
            return
        }
        defer { framing.consume(length) }
        let after: ReactorConnection.AfterAnswer = unreadBody ? .discardBody : keepAlive ? .keepAlive : .close
        guard let sent = framing.send(to: connection.fcgi.descriptor, from: 0, count: length) else {
            failAnswer(on: connection, reason: SystemError("sendfile").description)
            return
        }
        guard sent < length else {
            answered(connection, then: after)
            return
        }
        guard let rest = framing.copy(from: sent, count: length - sent) else {
            failAnswer(on: connection, reason: SystemError("pread").description)
            return
        }
        connection.state = .writing(.init(bytes: rest, deadline: clock.now + configuration.writeTimeout, after: after))
        epoll.modify(
            connection.fcgi.descriptor,
            token: connection.token,
            flags: Epoll.connectionFlags | EPOLLOUT.rawValue
        )
    }

    /// Writes more of a pending answer, as far as the socket takes it.
    func continueWriting(on connection: ReactorConnection) {
        guard case var .writing(pending) = connection.state else { return }
        let descriptor = connection.fcgi.descriptor
        let before = pending.written
        while pending.written < pending.bytes.count {
            let result = pending.bytes.withUnsafeBytes { raw in
                send(descriptor, raw.baseAddress! + pending.written, raw.count - pending.written, Int32(MSG_NOSIGNAL))
            }
            if result > 0 {
                pending.written += result
            } else if result < 0, errno == EINTR {
                continue
            } else if result < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                break
            } else {
                failAnswer(on: connection, reason: SystemError("send").description)
                return
            }
        }
        guard pending.written < pending.bytes.count else {
            // Reading only again; re-arming also reports input that arrived meanwhile.
            epoll.modify(descriptor, token: connection.token, flags: Epoll.connectionFlags)
            answered(connection, then: pending.after)
            return
        }
        if pending.written > before {
            pending.deadline = clock.now + configuration.writeTimeout
        }
        connection.state = .writing(pending)
    }

    /// The answer is wholly written: the request counts as answered, and the connection
    /// waits for the next one, closes, or drops the rest of an oversized body.
    private func answered(_ connection: ReactorConnection, then after: ReactorConnection.AfterAnswer) {
        handlingCount -= 1
        statistics.requestAnswered()
        // The request is over: whatever happens to the connection now is not a failure.
        connection.state = .reading
        switch after {
        case .keepAlive:
            if stopping == nil {
                connection.idleSince = clock.now
            } else {
                close(connection, reason: "server stopping")
            }
        case .close:
            close(connection, reason: "not kept alive")
        case .discardBody:
            shutdown(connection.fcgi.descriptor, Int32(SHUT_WR))
            connection.state = .discarding(until: clock.now + configuration.requestReadTimeout)
            discardInput(on: connection)
        }
    }

    /// The answer could not be written whole (the peer went, stopped reading, or libfcgi
    /// failed): counted as failed, and the connection closed.
    func failAnswer(on connection: ReactorConnection, reason: String) {
        handlingCount -= 1
        statistics.requestFailed()
        logger.info("answer not delivered", metadata: ["reason": "\(reason)"])
        connection.state = .reading
        close(connection, reason: reason)
    }
}
