import Synchronization

/// The listening socket and the I/O threads it feeds.
///
/// The first I/O thread accepts every connection and hands each to the threads in turn
/// (itself included), through their mailboxes; a connection is then served wholly by the
/// thread it was handed to. One acceptor spreads connections evenly and predictably, where
/// `EPOLLEXCLUSIVE` tends to wake the same idle thread for a whole burst; the cost is one
/// wake-up per new connection, and nginx keeps its connections alive.
final class SharedListener: Sendable {
    let socket: ListeningSocket
    /// One per I/O thread, in thread order; the first is the acceptor's.
    let mailboxes: [ReactorMailbox]
    private let turn = Atomic<Int>(0)

    init(_ socket: ListeningSocket, mailboxes: [ReactorMailbox]) {
        self.socket = socket
        self.mailboxes = mailboxes
    }

    /// The thread whose turn it is to take a new connection.
    func nextThread() -> Int {
        guard mailboxes.count > 1 else { return 0 }
        return turn.wrappingAdd(1, ordering: .relaxed).oldValue % mailboxes.count
    }
}
