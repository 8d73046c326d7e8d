/// One connection from the web server, as the I/O thread tracks it.
///
/// Confined to the I/O thread, like the reactor that owns it.
final class ReactorConnection {
    enum State {
        /// Waiting for a request: idle between requests, or part of one buffered.
        case reading
        /// A handler task is answering the request; `unreadBody` when the body was too
        /// large to read and must be discarded after the answer.
        case handling(Task<Void, Never>, unreadBody: Bool)
        /// The answer is framed but the socket did not take it all: the rest waits for
        /// `EPOLLOUT`.
        case writing(PendingAnswer)
        /// Answered a request whose body was too large; reading and dropping the rest of
        /// it before closing, so the peer sees the answer rather than a reset.
        case discarding(until: ContinuousClock.Instant)
        /// The peer went away while its request was handled: close once the task ends.
        case abandoned
    }

    /// What happens to a connection once its answer is wholly written.
    enum AfterAnswer {
        /// Wait for the web server's next request (nginx `fastcgi_keep_conn on`).
        case keepAlive
        /// The web server did not ask to keep the connection.
        case close
        /// The body was too large to read: shut the write side and drop what still arrives.
        case discardBody
    }

    /// The part of a framed answer that a full socket has not taken yet.
    struct PendingAnswer {
        var bytes: [UInt8]
        var written = 0
        /// Reached when the socket takes nothing for `writeTimeout`; moved on by each write.
        var deadline: ContinuousClock.Instant
        let after: AfterAnswer
    }

    let token: UInt64
    let fcgi: FCGIConnection
    var state = State.reading
    /// When a started (or newly accepted) request must be complete; nil while idle.
    var readDeadline: ContinuousClock.Instant?
    var idleSince: ContinuousClock.Instant
    /// The part of a request read so far, when it did not arrive whole in one peek (see
    /// `readRequestPiecewise(on:)`); nil otherwise.
    var partialRequest: [UInt8]?

    init(token: UInt64, fcgi: FCGIConnection, now: ContinuousClock.Instant, readDeadline: ContinuousClock.Instant) {
        self.token = token
        self.fcgi = fcgi
        self.idleSince = now
        self.readDeadline = readDeadline
    }
}
