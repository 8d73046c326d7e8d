import Foundation

/// One HTTP/1.1 answer, read to the end of the connection.
public struct HTTPReply: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: String
    /// From connecting to the last byte.
    public let latency: Duration
}

/// Minimal HTTP/1.1 over loopback for tests: many requests at once from one thread,
/// each on its own connection, with `Connection: close`.
public enum HTTPClient {
    /// Sends `count` requests at once to 127.0.0.1:`port` and returns the answers, each
    /// with its latency; a request unanswered after `timeout` is a failure.
    public static func concurrent(
        port: UInt16,
        method: String = "GET",
        path: String = "/retrieve-data",
        count: Int,
        timeout: Duration = .seconds(30)
    ) throws -> [HTTPReply] {
        let request = Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        return try exchange(port: port, request: request, count: count, timeout: timeout)
    }

    /// Sends `request`, bytes as they are (it should ask for `Connection: close`), once.
    public static func send(port: UInt16, request: [UInt8], timeout: Duration = .seconds(30)) throws -> HTTPReply {
        try exchange(port: port, request: request, count: 1, timeout: timeout)[0]
    }

    private static func exchange(
        port: UInt16,
        request: [UInt8],
        count: Int,
        timeout: Duration
    ) throws -> [HTTPReply] {
        let start = ContinuousClock.now
        var fds: [Int32] = []
        var received = [[UInt8]](repeating: [], count: count)
        var finishedAt = [ContinuousClock.Instant?](repeating: nil, count: count)
        defer { fds.forEach { close($0) } }
        for _ in 0..<count {
            let fd = try Sockets.connectLoopback(port: port)
            fds.append(fd)
            guard request.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == request.count else {
                throw TestFailure("write failed")
            }
        }
        var open = Set(0..<count)
        var buffer = [UInt8](repeating: 0, count: 16384)
        while !open.isEmpty {
            guard ContinuousClock.now - start < timeout else {
                throw TestFailure("\(open.count) of \(count) requests unanswered")
            }
            var polls = open.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
            let indices = Array(open)
            guard poll(&polls, nfds_t(polls.count), 100) >= 0 else { continue }
            for (slot, entry) in polls.enumerated() where entry.revents != 0 {
                let index = indices[slot]
                let got = buffer.withUnsafeMutableBytes { read(fds[index], $0.baseAddress, $0.count) }
                if got > 0 {
                    received[index] += buffer[..<got]
                } else {
                    finishedAt[index] = ContinuousClock.now
                    open.remove(index)
                }
            }
        }
        return received.enumerated().map { index, bytes in
            parse(bytes, latency: finishedAt[index]! - start)
        }
    }

    /// One request.
    public static func request(
        port: UInt16,
        method: String = "GET",
        path: String = "/retrieve-data"
    ) throws -> HTTPReply {
        try concurrent(port: port, method: method, path: path, count: 1)[0]
    }

    static func parse(_ bytes: [UInt8], latency: Duration) -> HTTPReply {
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let lines = parts[0].components(separatedBy: "\r\n")
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces
            )
        }
        return HTTPReply(
            status: status,
            headers: headers,
            body: parts.dropFirst().joined(separator: "\r\n\r\n"),
            latency: latency
        )
    }
}

extension HTTPClient {
    /// Sends a GET, waits `delay`, and closes the connection without reading the answer:
    /// a client that gives up, like `curl --max-time`.
    public static func abandon(port: UInt16, path: String, after delay: Duration) throws {
        let fd = try Sockets.connectLoopback(port: port)
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        usleep(useconds_t(delay.components.seconds * 1_000_000 + delay.components.attoseconds / 1_000_000_000_000))
    }
}
