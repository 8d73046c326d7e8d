/// One request as the web server sent it, copied out of libfcgi into Swift values.
///
/// libfcgi frees its parameter strings when a request finishes, so everything a handler
/// may need is copied here first; nothing in it points into C memory.
public struct FastCGIRequest: Sendable {
    /// Every CGI parameter the web server sent (`REQUEST_METHOD`, `DOCUMENT_URI`, `HTTP_*`, …).
    public let params: CGIParams
    /// The request body, read to its end. Empty when `bodyExceededLimit` is set.
    public let body: [UInt8]
    /// The body was larger than the server's limit and was not read: answer 413.
    public let bodyExceededLimit: Bool

    public init(params: CGIParams, body: [UInt8] = [], bodyExceededLimit: Bool = false) {
        self.params = params
        self.body = body
        self.bodyExceededLimit = bodyExceededLimit
    }

    /// The HTTP method, such as `GET`.
    public var method: String { params["REQUEST_METHOD"] ?? "" }

    /// The path without the query string, from whichever parameters the web server sends
    /// (see shared/LIBFCGI.md): nginx's `DOCUMENT_URI` (normalised, decoded) when it is
    /// not empty; else `SCRIPT_NAME` + `PATH_INFO`, as CGI defines the path (Apache,
    /// lighttpd: the script name; Caddy, h2o: an empty script name and the path info);
    /// else `REQUEST_URI` up to its query string, still percent-encoded.
    public var path: String {
        if let documentURI = params["DOCUMENT_URI"], !documentURI.isEmpty {
            return documentURI
        }
        let scriptName = params["SCRIPT_NAME"] ?? ""
        let pathInfo = params["PATH_INFO"] ?? ""
        if !scriptName.isEmpty || !pathInfo.isEmpty {
            return scriptName + pathInfo
        }
        let requestURI = params["REQUEST_URI"] ?? ""
        return String(requestURI.prefix { $0 != "?" })
    }

    /// The raw query string, still percent-encoded.
    public var query: String { params["QUERY_STRING"] ?? "" }

    /// An HTTP request header by name (`"If-None-Match"`), as the web server passed it on.
    public func header(_ name: String) -> String? {
        params.header(name)
    }
}
