/// Where the server takes connections from the web server.
public enum ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// A Unix socket the server creates at `path` with permission bits `mode` (0660: the
    /// web server reaches it through a shared group, nobody else can connect).
    case unixSocket(path: String, mode: UInt32)
    /// A TCP socket. The FastCGI protocol has no authentication, so anything but loopback
    /// should be firewalled.
    case tcp(host: String, port: UInt16)
    /// A listening socket the process was started with, at `descriptor` (0 for
    /// spawn-fcgi and systemd's `StandardInput=socket`).
    case inherited(descriptor: Int32)

    /// Parses `HOST:PORT`, with IPv6 hosts in brackets (`[::1]:9000`).
    public init?(hostAndPort: String) {
        guard let colon = hostAndPort.lastIndex(of: ":"),
            let port = UInt16(hostAndPort[hostAndPort.index(after: colon)...]), port > 0
        else { return nil }
        var host = String(hostAndPort[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        guard !host.isEmpty else { return nil }
        self = .tcp(host: host, port: port)
    }

    public var description: String {
        switch self {
        case let .unixSocket(path, mode): "unix:\(path) (mode \(String(mode, radix: 8)))"
        case let .tcp(host, port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case let .inherited(descriptor): "inherited socket on fd \(descriptor)"
        }
    }
}
