import Foundation

/// A blocking FastCGI client for tests: speaks the records nginx speaks, or any bytes at all.
/// Use it from `offPool`.
public final class FastCGIClient {
    public let fd: Int32

    /// Connects to a Unix socket, with `timeout` on every read and write.
    public init(unixSocket path: String, timeout: Duration = .seconds(10)) throws {
        fd = try Sockets.connectUnix(path: path)
        setTimeouts(timeout)
    }

    /// Connects to 127.0.0.1:`port`.
    public init(tcpPort port: UInt16, timeout: Duration = .seconds(10)) throws {
        fd = try Sockets.connectLoopback(port: port)
        setTimeouts(timeout)
    }

    private func setTimeouts(_ timeout: Duration) {
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// A whole responder request: BEGIN_REQUEST, PARAMS, STDIN, as nginx sends it.
    public static func requestRecords(
        id: UInt16 = 1,
        params: [(String, String)],
        body: [UInt8] = [],
        keepConnection: Bool = true
    ) -> [UInt8] {
        var bytes = record(type: 1, id: id, content: [0, 1, keepConnection ? 1 : 0, 0, 0, 0, 0, 0])
        var stream: [UInt8] = []
        for (name, value) in params {
            stream += length(name.utf8.count) + length(value.utf8.count) + Array(name.utf8) + Array(value.utf8)
        }
        bytes += chunked(type: 4, id: id, stream) + record(type: 4, id: id, content: [])
        bytes += chunked(type: 5, id: id, body) + record(type: 5, id: id, content: [])
        return bytes
    }

    /// The parameters nginx's `fastcgi_params` would send for `method path?query`.
    public static func nginxParams(
        method: String = "GET",
        path: String = "/retrieve-data",
        query: String = ""
    ) -> [(String, String)] {
        [
            ("QUERY_STRING", query), ("REQUEST_METHOD", method), ("CONTENT_TYPE", ""), ("CONTENT_LENGTH", ""),
            ("SCRIPT_NAME", path), ("REQUEST_URI", query.isEmpty ? path : "\(path)?\(query)"), ("DOCUMENT_URI", path),
            ("DOCUMENT_ROOT", "/var/www"), ("SERVER_PROTOCOL", "HTTP/1.1"), ("GATEWAY_INTERFACE", "CGI/1.1"),
            ("SERVER_SOFTWARE", "nginx"), ("REMOTE_ADDR", "127.0.0.1"), ("REMOTE_PORT", "40000"),
            ("SERVER_ADDR", "127.0.0.1"), ("SERVER_PORT", "8080"), ("SERVER_NAME", "localhost"),
            ("HTTP_HOST", "localhost:8080"), ("HTTP_USER_AGENT", "test"),
        ]
    }

    public static func record(type: UInt8, id: UInt16, content: [UInt8], padding: Int = 0) -> [UInt8] {
        [
            1, type, UInt8(id >> 8), UInt8(id & 0xFF), UInt8(content.count >> 8), UInt8(content.count & 0xFF),
            UInt8(padding), 0,
        ]
            + content + [UInt8](repeating: 0, count: padding)
    }

    private static func chunked(type: UInt8, id: UInt16, _ stream: [UInt8]) -> [UInt8] {
        stride(from: 0, to: stream.count, by: 65535).flatMap { start in
            record(type: type, id: id, content: Array(stream[start..<min(start + 65535, stream.count)]))
        }
    }

    private static func length(_ count: Int) -> [UInt8] {
        count < 128
            ? [UInt8(count)]
            : [UInt8(count >> 24 | 0x80), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw TestFailure("write failed: errno \(errno)") }
            offset += written
        }
    }

    /// Sends a request and reads its answer.
    public func request(
        params: [(String, String)] = nginxParams(),
        body: [UInt8] = [],
        keepConnection: Bool = true
    ) throws -> FastCGIReply {
        try send(Self.requestRecords(params: params, body: body, keepConnection: keepConnection))
        return try readReply()
    }

    /// Reads STDOUT records up to END_REQUEST.
    public func readReply() throws -> FastCGIReply {
        var stdout: [UInt8] = []
        while true {
            let header = try readExactly(8)
            let contentLength = Int(header[4]) << 8 | Int(header[5])
            let content = try readExactly(contentLength + Int(header[6]))
            switch header[1] {
            case 6: stdout += content.prefix(contentLength)
            case 3: return FastCGIReply(cgiOutput: stdout)
            default: continue
            }
        }
    }

    /// Whether the server closed the connection (read gives end of file) within the read timeout.
    public func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        while true {
            let count = read(fd, &byte, 1)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = bytes[offset...].withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard got > 0 else {
                throw TestFailure(got == 0 ? "connection closed by the server" : "read failed: errno \(errno)")
            }
            offset += got
        }
        return bytes
    }
}

/// A CGI answer split into status, headers (lower-cased names) and body.
public struct FastCGIReply: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }

    init(cgiOutput: [UInt8]) {
        let separator = Array("\r\n\r\n".utf8)
        let split = (0...max(0, cgiOutput.count - 4)).first {
            Array(cgiOutput[$0..<min($0 + 4, cgiOutput.count)]) == separator
        }
        let headEnd = split ?? cgiOutput.count
        var headers: [String: String] = [:]
        for line in String(decoding: cgiOutput[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces
            )
        }
        self.headers = headers
        status = Int(headers["status"]?.prefix(3) ?? "200") ?? 0
        body = split.map { Array(cgiOutput[($0 + 4)...]) } ?? []
    }
}
