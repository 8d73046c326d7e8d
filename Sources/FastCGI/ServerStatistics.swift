import Synchronization

/// Live counts from a running server, for status pages, metrics and tests.
///
/// Written by the I/O thread, readable from anywhere at any time.
public final class ServerStatistics: Sendable {
    private let openConnections = Atomic<Int>(0)
    private let inFlight = Atomic<Int>(0)
    private let answered = Atomic<Int>(0)
    private let abandoned = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)

    public init() {}

    /// Connections from the web server open now, idle kept-alive ones included.
    public var connections: Int { openConnections.load(ordering: .relaxed) }
    /// Requests begun and not yet ended: their handler is running, or their answer is
    /// still being written.
    public var requestsInFlight: Int { inFlight.load(ordering: .relaxed) }
    /// Requests whose answer was written whole, since start.
    public var requestsAnswered: Int { answered.load(ordering: .relaxed) }
    /// Requests whose client left before the answer (their handlers were cancelled).
    public var requestsAbandoned: Int { abandoned.load(ordering: .relaxed) }
    /// Requests whose answer could not be written whole: the web server stopped reading it
    /// for `writeTimeout`, went away as it was written, or the server stopped at once. Not
    /// counted as answered.
    public var requestsFailed: Int { failed.load(ordering: .relaxed) }
    /// Connections closed for sending something that is not a well-formed request.
    public var connectionsRefused: Int { refused.load(ordering: .relaxed) }

    func connectionOpened() { openConnections.add(1, ordering: .relaxed) }
    func connectionClosed() { openConnections.subtract(1, ordering: .relaxed) }
    func requestStarted() { inFlight.add(1, ordering: .relaxed) }
    func requestAnswered() {
        inFlight.subtract(1, ordering: .relaxed)
        answered.add(1, ordering: .relaxed)
    }
    func requestAbandoned() {
        inFlight.subtract(1, ordering: .relaxed)
        abandoned.add(1, ordering: .relaxed)
    }
    func requestFailed() {
        inFlight.subtract(1, ordering: .relaxed)
        failed.add(1, ordering: .relaxed)
    }
    func connectionRefused() { refused.add(1, ordering: .relaxed) }
}
