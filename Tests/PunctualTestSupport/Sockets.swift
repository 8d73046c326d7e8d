import Foundation

/// Socket set-up the test clients share.
public enum Sockets {
    /// A blocking TCP connection to 127.0.0.1:`port`.
    public static func connectLoopback(port: UInt16) throws -> Int32 {
        try connect(family: AF_INET, to: loopbackAddress(port: port), naming: "127.0.0.1:\(port)")
    }

    /// A blocking connection to the Unix socket at `path`.
    public static func connectUnix(path: String) throws -> Int32 {
        try connect(family: AF_UNIX, to: unixAddress(path), naming: path)
    }

    private static func connect<Address>(family: Int32, to address: Address, naming name: String) throws -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed: errno \(errno)") }
        var address = address
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(fd, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
        guard connected == 0 else {
            let error = errno
            close(fd)
            throw TestFailure("connect(\(name)) failed: errno \(error)")
        }
        return fd
    }

    /// A Unix socket bound to `path` (listening if `backlog` is given), as spawn-fcgi or a
    /// crashed server would leave it.
    public static func bindUnix(path: String, listenBacklog backlog: Int32? = nil) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = unixAddress(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, backlog.map({ listen(fd, $0) == 0 }) ?? true else {
            close(fd)
            throw TestFailure("bind(\(path)) failed: errno \(errno)")
        }
        return fd
    }

    static func loopbackAddress(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }

    static func unixAddress(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        return address
    }
}

/// Whether something accepts connections on 127.0.0.1:`port`.
public func canConnect(port: UInt16) -> Bool {
    guard let fd = try? Sockets.connectLoopback(port: port) else { return false }
    close(fd)
    return true
}
