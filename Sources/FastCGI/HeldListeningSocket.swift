/// A listening socket opened for other processes to serve: what a supervising parent
/// holds while its workers come and go.
///
/// It opens `address` the way `FastCGIServer` does (a stale Unix socket file replaced, a
/// live one refused, permission bits set, a backlog of 4096), but accepts nothing itself:
/// a worker gets `descriptor` (the supervisor passes it on fd 3) and serves it as
/// `.inherited(descriptor: 3)`. Connections that arrive while no worker runs wait in the
/// backlog. `close()` removes the Unix socket file, if it is still this socket's.
///
/// ```swift
/// let held = try HeldListeningSocket.open(.unixSocket(path: "/run/punctual/punctual.sock", mode: 0o660))
/// defer { held.close() }
/// // spawn a worker with held.descriptor on its fd 3
/// ```
public final class HeldListeningSocket: Sendable {
    private let socket: ListeningSocket

    private init(socket: ListeningSocket) {
        self.socket = socket
    }

    /// Opens (or, for `.inherited`, adopts) the listening socket; it is close-on-exec and
    /// non-blocking, so it reaches a child only where the spawner puts it.
    public static func open(_ address: ListenAddress) throws(SystemError) -> HeldListeningSocket {
        HeldListeningSocket(socket: try ListeningSocket.open(address))
    }

    /// The listening descriptor, to hand to a worker.
    public var descriptor: Int32 { socket.fd }

    /// Whether only this machine can connect: a Unix socket or a loopback address.
    public var isLocalOnly: Bool { socket.isLocalOnly }

    /// Stops listening (once no worker holds the socket either) and removes the Unix
    /// socket file if it is still this socket's. Safe to call more than once.
    public func close() {
        socket.close()
    }

    deinit {
        socket.close()
    }
}
