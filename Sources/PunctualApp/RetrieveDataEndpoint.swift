import PunctualJSON
import FastCGI
import Logging
import Retrieval

/// `/retrieve-data[?key=K]`: the engine's outcome as the recipe's answer, with honest
/// `Age` (RFC 9111) and `Cache-Status` (RFC 9211) headers.
struct RetrieveDataEndpoint<C: Clock>: Sendable where C.Duration == Duration {
    let engine: RetrievalEngine<String, JSONFragment, C>
    var keys: KeyRule = .any
    /// Counts every answer's outcome, for `/status` and `/metrics`.
    var observer: RequestObserver?
    let logger: Logger

    func answer(_ request: FastCGIRequest) async -> FastCGIResponse {
        observer?.counts.started()
        defer { observer?.counts.ended() }
        let response = await respond(to: request)
        guard let response else {
            // The client has gone: nobody reads this answer, and it is counted as abandoned.
            return HTTPAnswer.error(503, "request cancelled")
        }
        if let observer {
            switch response.status {
            case 200: observer.record(response.isCached ? .stale(reason: response.reason) : .fresh)
            default: observer.record(.error(status: response.status))
            }
        }
        return response.answer
    }

    /// An answer and what it was; nil when the client left before it.
    private struct Answer {
        let answer: FastCGIResponse
        var isCached = false
        var reason = ""
        var status: Int { answer.status }
    }

    private func respond(to request: FastCGIRequest) async -> Answer? {
        let key: String
        switch RetrievalKey.parse(query: request.query) {
        case let .success(parsed): key = parsed
        case let .failure(problem):
            logger.info("refused", metadata: ["status": "400", "problem": "\(problem)", "query": "\(request.query)"])
            return Answer(answer: HTTPAnswer.error(400, problem.description))
        }
        guard keys.allows(key) else {
            logger.info("refused", metadata: ["status": "400", "problem": "key not allowed", "key": "\(key)"])
            return Answer(answer: HTTPAnswer.error(400, "key not allowed"))
        }
        let outcome: RetrievalOutcome<JSONFragment>
        do {
            outcome = try await engine.retrieve(key)
        } catch {
            return nil
        }
        switch outcome {
        case let .fresh(value):
            logger.debug("fresh", metadata: ["key": "\(key)"])
            return Answer(
                answer: HTTPAnswer.data(value, cached: false, headers: [("Cache-Status", "punctual; fwd=miss; stored")])
            )
        case let .cached(value, age, reason):
            log(reason, key: key, status: 200, age: age)
            let answer = HTTPAnswer.data(
                value,
                cached: true,
                headers: [
                    ("Age", String(max(0, age.components.seconds))),
                    ("Cache-Status", Self.cacheStatus(servedFromCacheBecause: reason)),
                ]
            )
            return Answer(answer: answer, isCached: true, reason: reason.name)
        case let .unavailable(reason):
            let answer = Self.unavailable(because: reason)
            log(reason, key: key, status: answer.status, age: nil)
            return Answer(answer: answer)
        }
    }

    /// `504` after a timeout, `502` after a failure, `503` with `Retry-After` over the limit.
    static func unavailable(because reason: FallbackReason) -> FastCGIResponse {
        var headers = [("Cache-Status", "punctual; fwd=miss; detail=\(reason.name)")]
        switch reason {
        case .timeout:
            return HTTPAnswer.error(
                504,
                "data retrieval timed out and no value fresh enough is cached",
                headers: headers
            )
        case .error, .backingOff:
            return HTTPAnswer.error(502, "data retrieval failed and no value fresh enough is cached", headers: headers)
        case .overloaded:
            headers.append(("Retry-After", "1"))
            return HTTPAnswer.error(
                503,
                "too many retrievals running and no value fresh enough is cached",
                headers: headers
            )
        }
    }

    /// `hit` with `fwd=stale` when a retrieval ran but did not deliver; plain `hit` when
    /// none was started (backing off after a failure, or over the retrieval limit).
    static func cacheStatus(servedFromCacheBecause reason: FallbackReason) -> String {
        switch reason {
        case .timeout, .error: "punctual; hit; fwd=stale; detail=\(reason.name)"
        case .backingOff, .overloaded: "punctual; hit; detail=\(reason.name)"
        }
    }

    /// One line per answer that is not fresh, at `info`: what an operator greps for.
    private func log(_ reason: FallbackReason, key: String, status: Int, age: Duration?) {
        var metadata: Logger.Metadata = ["key": "\(key)", "reason": "\(reason.name)", "status": "\(status)"]
        if let age { metadata["age"] = "\(max(0, age.components.seconds))" }
        if case let .error(error) = reason { metadata["error"] = "\(error)" }
        logger.info(status == 200 ? "stale" : "unavailable", metadata: metadata)
    }
}
