import Foundation
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 for testing HTTP clients: one thread of its own
/// running a `poll` loop, answers the test chooses per path, and a record of what it saw.
///
/// Every answer carries `Connection: close` and the connection is closed once it is
/// written. A `.hang` route reads the request and never answers, and notes when the
/// client closes the connection, so a test can prove that a cancelled request really
/// went away.
///
/// ```swift
/// try await withTestHTTPServer(route: { _ in .json("[1]") }) { server in
///     // GET http://127.0.0.1:\(server.port)/anything
/// }
/// ```
public final class TestHTTPServer: Sendable {
    /// What the server does with a request for a path.
    public enum Route: Sendable {
        /// Answers `status` with `body`; without `contentLength` the body's end is the
        /// connection's close, so a client must stream it to find its size.
        case fixed(status: Int, body: [UInt8], contentLength: Bool = true)
        /// Never answers; the server waits for the client to close the connection.
        case hang
        /// Sends the head of a `contentLength`-byte answer and `bodyStart`, then stalls
        /// like `.hang`: the answer never ends.
        case stall(contentLength: Int, bodyStart: [UInt8])

        /// A 200 with `text` as its body.
        public static func json(_ text: String) -> Route {
            .fixed(status: 200, body: Array(text.utf8))
        }
    }

    /// What the server saw so far.
    public struct Record: Sendable {
        /// The request targets (path and query, as sent) in the order they arrived.
        public var requestPaths: [String] = []
        /// Connections on a `.hang` or `.stall` route now open.
        public var hangingConnections = 0
        /// The paths of `.hang` or `.stall` requests whose client closed the connection.
        public var closedByClient: [String] = []
        /// Connections accepted so far.
        public var acceptedConnections = 0
    }

    public let port: UInt16
    private let listener: Int32
    private let wakeWriter: Int32
    private let state = Mutex(State())

    private struct State {
        var record = Record()
        var finished = false
        var stopWaiter: CheckedContinuation<Void, Never>?
    }

    /// Binds a free port on 127.0.0.1 and starts serving `route` on a thread of its own.
    public init(route: @escaping @Sendable (_ path: String) -> Route) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw TestFailure("socket failed: errno \(errno)") }
        var address = Sockets.loopbackAddress(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 128) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        var wake: [Int32] = [0, 0]
        guard bound, pipe(&wake) == 0 else {
            close(listener)
            throw TestFailure("bind or pipe failed: errno \(errno)")
        }
        Self.setNonBlocking(listener)
        self.listener = listener
        self.wakeWriter = wake[1]
        port = UInt16(bigEndian: address.sin_port)
        let wakeReader = wake[0]
        let thread = Thread { [self] in
            serve(route: route, wakeReader: wakeReader)
            close(wakeReader)
            close(listener)
            let waiter = state.withLock { state in
                state.finished = true
                return state.stopWaiter.take()
            }
            waiter?.resume()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// What the server saw so far.
    public var record: Record { state.withLock { $0.record } }

    /// Stops the thread, closes every connection and the listening socket, and returns
    /// once they are closed.
    public func stop() async {
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.finished { return true }
                state.stopWaiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
        close(wakeWriter)
    }

    private static func setNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// One accepted connection, owned by the server thread.
    private struct Connection {
        let fd: Int32
        var input: [UInt8] = []
        var output: [UInt8] = []
        var written = 0
        /// The path of the `.hang` or `.stall` request it holds, once it holds one.
        var hangingPath: String?
        /// Whether to keep the connection open once `output` is written (`.stall`).
        var stallAfterWriting = false
        var answering: Bool { written < output.count }
    }

    private func serve(route: @Sendable (String) -> Route, wakeReader: Int32) {
        var connections: [Connection] = []
        defer { connections.forEach { close($0.fd) } }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var polls = [pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0)]
            polls.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0))
            for connection in connections {
                let events = connection.answering ? POLLOUT : POLLIN
                polls.append(pollfd(fd: connection.fd, events: Int16(events), revents: 0))
            }
            guard poll(&polls, nfds_t(polls.count), -1) >= 0 || errno == EINTR else { return }
            if polls[0].revents != 0 { return }
            var closed: [Int] = []
            for index in connections.indices where polls[index + 2].revents != 0 {
                if !service(&connections[index], route: route, buffer: &buffer) {
                    closed.append(index)
                }
            }
            for index in closed.reversed() {
                close(connections[index].fd)
                connections.remove(at: index)
            }
            if polls[1].revents != 0 { acceptAll(into: &connections) }
        }
    }

    private func acceptAll(into connections: inout [Connection]) {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            Self.setNonBlocking(fd)
            connections.append(Connection(fd: fd))
            state.withLock { $0.record.acceptedConnections += 1 }
        }
    }

    /// Reads or writes what `connection` is ready for; false when it is to be closed.
    private func service(
        _ connection: inout Connection,
        route: @Sendable (String) -> Route,
        buffer: inout [UInt8]
    ) -> Bool {
        if connection.answering {
            let sent = connection.output[connection.written...].withUnsafeBytes {
                send(connection.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 { return errno == EAGAIN || errno == EINTR }
            connection.written += sent
            return connection.answering || connection.stallAfterWriting
        }
        let got = buffer.withUnsafeMutableBytes { read(connection.fd, $0.baseAddress, $0.count) }
        if got < 0, errno == EAGAIN || errno == EINTR { return true }
        guard got > 0 else {
            if let path = connection.hangingPath {
                state.withLock { state in
                    state.record.hangingConnections -= 1
                    state.record.closedByClient.append(path)
                }
            }
            return false
        }
        guard connection.hangingPath == nil else { return true }
        connection.input += buffer[..<got]
        guard let path = Self.requestTarget(connection.input) else { return true }
        state.withLock { $0.record.requestPaths.append(path) }
        switch route(path) {
        case .hang:
            connection.hangingPath = path
            state.withLock { $0.record.hangingConnections += 1 }
        case .fixed(let status, let body, let contentLength):
            var head = "HTTP/1.1 \(status) \(status < 300 ? "OK" : "Error")\r\nContent-Type: application/json\r\n"
            if contentLength { head += "Content-Length: \(body.count)\r\n" }
            head += "Connection: close\r\n\r\n"
            connection.output = Array(head.utf8) + body
        case .stall(let contentLength, let bodyStart):
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(contentLength)\r\n\r\n"
            connection.output = Array(head.utf8) + bodyStart
            connection.stallAfterWriting = true
            connection.hangingPath = path
            state.withLock { $0.record.hangingConnections += 1 }
        }
        return true
    }

    /// The target of the request in `bytes` once its head is complete ("/a?b=c").
    private static func requestTarget(_ bytes: [UInt8]) -> String? {
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        guard bytes.count >= end.count,
            (0...(bytes.count - end.count)).contains(where: { bytes[$0..<($0 + end.count)].elementsEqual(end) })
        else { return nil }
        let line = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        return parts.count >= 2 ? String(parts[1]) : ""
    }
}

/// Runs `body` with a `TestHTTPServer` serving `route`, and stops it afterwards, whether
/// `body` succeeded or not.
public func withTestHTTPServer<T>(
    route: @escaping @Sendable (_ path: String) -> TestHTTPServer.Route,
    _ body: (TestHTTPServer) async throws -> T
) async throws -> T {
    let server = try TestHTTPServer(route: route)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
