/// What a handler answers: an HTTP status, header fields and a body.
///
/// The server turns it into a CGI response (`Status:` line, headers, blank line, body)
/// and adds `Content-Length`, so nginx can keep its client connection alive.
public struct FastCGIResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The CGI response head: `Status`, the headers, `Content-Length` and a blank line,
    /// appended to `bytes` (a buffer the caller reuses; the body follows it unchanged). A
    /// `Content-Length` among `headers` wins over the body's length, for `HEAD` answers
    /// that describe a body they do not carry.
    func encodeHead(into bytes: inout [UInt8]) {
        func line(_ name: String, _ value: String) {
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        line("Status", "\(status) \(Self.reasonPhrase(for: status))")
        var hasContentLength = false
        for field in headers {
            line(field.name, field.value)
            if !hasContentLength, field.name.utf8.count == 14, field.name.lowercased() == "content-length" {
                hasContentLength = true
            }
        }
        if !hasContentLength {
            line("Content-Length", String(body.count))
        }
        bytes.append(contentsOf: "\r\n".utf8)
    }

    /// The standard reason phrase, for the statuses an API like this one answers.
    static func reasonPhrase(for status: Int) -> String {
        switch status {
        case 200: "OK"
        case 204: "No Content"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 413: "Content Too Large"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status"
        }
    }
}
