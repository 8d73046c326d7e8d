import FastCGI

/// Maps a request to its answer: `/retrieve-data` for `GET` and `HEAD`, JSON errors for
/// everything else.
struct Router: Sendable {
    static let retrieveDataPath = "/retrieve-data"

    /// Answers `GET /retrieve-data`.
    let retrieveData: @Sendable (FastCGIRequest) async -> FastCGIResponse

    func respond(to request: FastCGIRequest) async -> FastCGIResponse {
        guard request.path == Self.retrieveDataPath else {
            return HTTPAnswer.error(404, "not found")
        }
        if request.bodyExceededLimit {
            return HTTPAnswer.error(413, "request body too large")
        }
        switch request.method {
        case "GET":
            return await retrieveData(request)
        case "HEAD":
            var response = await retrieveData(request)
            response.headers.append((name: "Content-Length", value: String(response.body.count)))
            response.body = []
            return response
        default:
            return HTTPAnswer.error(405, "method not allowed", headers: [(name: "Allow", value: "GET, HEAD")])
        }
    }
}
