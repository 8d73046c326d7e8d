import FastCGI
import Logging

/// Maps a request to its answer through a table of routes, with the JSON errors every
/// route shares: `404` for an unknown path, `405` (with `Allow`) for a method a route does
/// not take, `413` for a body over the server's limit. `HEAD` is answered wherever `GET`
/// is, with the same headers and no body.
///
/// ```swift
/// let router = Router(routes: [
///     Route("/retrieve-data", get: endpoint.answer),
///     Route("/status", get: status.answer),
/// ])
/// ```
struct Router: Sendable {
    private let routes: [String: Route]
    /// Counts the errors the router answers itself.
    private let observer: RequestObserver?
    /// Where each refusal gets its line, at `info`.
    private let logger: Logger?

    init(routes: [Route], observer: RequestObserver? = nil, logger: Logger? = nil) {
        self.routes = Dictionary(routes.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        self.observer = observer
        self.logger = logger
    }

    func respond(to request: FastCGIRequest) async -> FastCGIResponse {
        guard let route = routes[request.path] else {
            return refuse(404, "not found", request)
        }
        if request.bodyExceededLimit {
            return refuse(413, "request body too large", request)
        }
        switch request.method {
        case "GET":
            return await route.get(request)
        case "HEAD":
            var response = await route.get(request)
            response.headers.append((name: "Content-Length", value: String(response.body.count)))
            response.body = []
            return response
        default:
            return refuse(405, "method not allowed", request, headers: [(name: "Allow", value: "GET, HEAD")])
        }
    }

    private func refuse(
        _ status: Int,
        _ message: String,
        _ request: FastCGIRequest,
        headers: [(name: String, value: String)] = []
    )
        -> FastCGIResponse
    {
        observer?.record(.error(status: status))
        logger?.info(
            "refused",
            metadata: ["status": "\(status)", "method": "\(request.method)", "path": "\(request.path)"]
        )
        return HTTPAnswer.error(status, message, headers: headers)
    }
}

/// One path and its `GET` handler.
struct Route: Sendable {
    typealias Handler = @Sendable (FastCGIRequest) async -> FastCGIResponse

    let path: String
    let get: Handler

    init(_ path: String, get: @escaping Handler) {
        self.path = path
        self.get = get
    }
}
