import CPunctualFCGI
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The socket the server accepts on, created by the program itself rather than by
/// `FCGX_OpenSocket` (which steals a running instance's socket path, sets no permissions
/// and calls `exit()` on errors).
final class ListeningSocket: Sendable {
    let fd: Int32
    /// Whether only this machine can reach the socket (a Unix socket, or TCP on loopback).
    let isLocalOnly: Bool
    private let unixPath: String?
    private let unixInode: UInt64
    private let isClosed = Mutex(false)

    /// A backlog well above what nginx opens at once: a full Unix-socket backlog makes
    /// nginx answer 502 at once. The kernel caps it at `net.core.somaxconn`.
    static let backlog: Int32 = 4096

    private init(fd: Int32, isLocalOnly: Bool, unixPath: String? = nil, unixInode: UInt64 = 0) {
        self.fd = fd
        self.isLocalOnly = isLocalOnly
        self.unixPath = unixPath
        self.unixInode = unixInode
    }

    static func open(_ address: ListenAddress) throws(SystemError) -> ListeningSocket {
        switch address {
        case let .unixSocket(path, mode): try openUnix(path: path, mode: mode_t(mode))
        case let .tcp(host, port): try openTCP(host: host, port: port)
        case let .inherited(descriptor): try adopt(descriptor)
        }
    }

    /// Accepts one waiting connection, non-blocking and close-on-exec; nil when none waits.
    func accept() -> Int32? {
        let connection = accept4(fd, nil, nil, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
        return connection >= 0 ? connection : nil
    }

    /// Stops listening and removes the socket path, if it is still this socket's.
    func close() {
        let wasClosed = isClosed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        Glibc.close(fd)
        if let unixPath, Self.inode(of: unixPath) == unixInode {
            unlink(unixPath)
        }
    }

    // MARK: - Unix sockets

    private static func openUnix(path: String, mode: mode_t) throws(SystemError) -> ListeningSocket {
        try removeStaleSocket(at: path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket(AF_UNIX)") }
        do throws(SystemError) {
            var address = try unixAddress(path)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard bound == 0 else { throw SystemError("bind(\(path))") }
            guard chmod(path, mode) == 0 else { throw SystemError("chmod(\(path))") }
            try listenNonBlocking(fd, name: path)
            return ListeningSocket(fd: fd, isLocalOnly: true, unixPath: path, unixInode: inode(of: path) ?? 0)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// Removes a socket file left by a process that died, but never one a live server
    /// answers on, and never a file that is not a socket.
    private static func removeStaleSocket(at path: String) throws(SystemError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw SystemError("\(path) exists and is not a socket", code: EEXIST)
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { throw SystemError("socket(AF_UNIX)") }
        defer { Glibc.close(probe) }
        var address = try unixAddress(path)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if connected == 0 {
            throw SystemError("another server is listening on \(path)", code: EADDRINUSE)
        }
        guard errno == ECONNREFUSED else { throw SystemError("connect(\(path))") }
        guard unlink(path) == 0 else { throw SystemError("unlink(stale socket \(path))") }
    }

    private static func unixAddress(_ path: String) throws(SystemError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw SystemError("socket path must be 1 to \(capacity - 1) bytes: \(path)", code: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        return address
    }

    private static func inode(of path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    // MARK: - TCP

    private static func openTCP(host: String, port: UInt16) throws(SystemError) -> ListeningSocket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &results)
        guard status == 0, let first = results else {
            throw SystemError("resolve \(host): \(String(cString: gai_strerror(status)))", code: 0)
        }
        defer { freeaddrinfo(results) }

        let info = first.pointee
        let fd = socket(info.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.ai_addr, info.ai_addrlen) == 0 else {
            let error = SystemError("bind(\(host):\(port))")
            Glibc.close(fd)
            throw error
        }
        do throws(SystemError) {
            try listenNonBlocking(fd, name: "\(host):\(port)")
        } catch {
            Glibc.close(fd)
            throw error
        }
        return ListeningSocket(fd: fd, isLocalOnly: isLoopback(info.ai_addr))
    }

    private static func isLoopback(_ address: UnsafeMutablePointer<sockaddr>) -> Bool {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                UInt32(bigEndian: $0.pointee.sin_addr.s_addr) >> 24 == 127
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                withUnsafeBytes(of: $0.pointee.sin6_addr) { bytes in
                    bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1
                }
            }
        default:
            return false
        }
    }

    // MARK: - Inherited

    private static func adopt(_ fd: Int32) throws(SystemError) -> ListeningSocket {
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0, accepting != 0 else {
            throw SystemError("fd \(fd) is not a listening socket", code: ENOTSOCK)
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var address = sockaddr_storage()
        var addressLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let isUnix = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(fd, $0, &addressLength) == 0 && Int32($0.pointee.sa_family) == AF_UNIX
            }
        }
        return ListeningSocket(fd: fd, isLocalOnly: isUnix)
    }

    private static func listenNonBlocking(_ fd: Int32, name: String) throws(SystemError) {
        guard listen(fd, backlog) == 0 else { throw SystemError("listen(\(name))") }
        let flags = fcntl(fd, F_GETFL)
        guard fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw SystemError("fcntl(O_NONBLOCK)") }
    }
}
