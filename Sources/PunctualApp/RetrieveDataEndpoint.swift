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
    /// The longest deadline a caller's `Prefer: wait` may set (`--max-client-wait`); nil:
    /// the policy's deadline.
    var maxClientWait: Duration?

    func answer(_ request: FastCGIRequest) async -> FastCGIResponse {
        observer?.counts.started()
        defer { observer?.counts.ended() }
        let start = ContinuousClock.now
        let response = await respond(to: request)
        guard let response else {
            // The client has gone: nobody reads this answer, and it is counted as abandoned.
            return HTTPAnswer.error(503, "request cancelled")
        }
        if let observer {
            observer.latency.record(.now - start)
            if let key = response.key {
                observer.recent.record(key, outcome: response.summary, error: response.errorText)
            }
            switch response.status {
            case 200 where response.isHit: observer.record(.hit)
            case 200: observer.record(response.isCached ? .stale(reason: response.reason) : .fresh)
            default: observer.record(.error(status: response.status))
            }
        }
        return response.answer
    }

    /// An answer and what it was; nil when the client left before it.
    private struct Answer {
        var answer: FastCGIResponse
        var isCached = false
        var isHit = false
        var reason = ""
        /// The key it answered for, once parsed.
        var key: String?
        /// The source's error, when the answer is a fallback after one.
        var errorText: String?
        var status: Int { answer.status }

        /// How the status page shows it: `fresh`, `hit`, `stale (timeout)`, `504`.
        var summary: String {
            guard status == 200 else { return String(status) }
            if isHit { return "hit" }
            return isCached ? "stale (\(reason))" : "fresh"
        }
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
        let directives = ClientDirectives(
            prefer: request.header("Prefer"),
            cacheControl: request.header("Cache-Control")
        )
        let (asked, appliedWait) = directives.request(maxClientWait: maxClientWait ?? engine.policy.timeout)
        if appliedWait != nil { observer?.counts.waitApplied() }
        if asked.onlyIfCached { observer?.counts.onlyIfCachedAsked() }
        let outcome: RetrievalOutcome<JSONFragment>
        do {
            outcome = try await engine.retrieve(key, asked)
        } catch {
            return nil
        }
        var answer = answer(outcome, key: key)
        answer.key = key
        if let appliedWait {
            answer.answer.headers.append((name: "Preference-Applied", value: "wait=\(Self.seconds(appliedWait))"))
        }
        return answer
    }

    /// `2`, `0.2`: a wait as `Preference-Applied` says it.
    static func seconds(_ duration: Duration) -> String {
        let (whole, attoseconds) = duration.components
        guard attoseconds != 0 else { return String(whole) }
        var text = String(Double(whole) + Double(attoseconds) / 1e18)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    private func answer(_ outcome: RetrievalOutcome<JSONFragment>, key: String) -> Answer {
        switch outcome {
        case let .fresh(value):
            logger.debug("fresh", metadata: ["key": "\(key)"])
            return Answer(
                answer: HTTPAnswer.data(value, cached: false, headers: [("Cache-Status", "punctual; fwd=miss; stored")])
            )
        case let .hit(value, age):
            let answer = HTTPAnswer.data(
                value,
                cached: true,
                headers: [("Age", String(max(0, age.components.seconds))), ("Cache-Status", "punctual; hit")]
            )
            return Answer(answer: answer, isCached: true, isHit: true)
        case let .cached(value, age, reason):
            log(reason, key, 200, age)
            let answer = HTTPAnswer.data(
                value,
                cached: true,
                headers: [
                    ("Age", String(max(0, age.components.seconds))),
                    ("Cache-Status", Self.cacheStatus(servedFromCacheBecause: reason)),
                ]
            )
            return Answer(answer: answer, isCached: true, reason: reason.name, errorText: Self.errorText(reason))
        case let .unavailable(reason):
            let answer = Self.unavailable(because: reason)
            log(reason, key, answer.status, nil)
            return Answer(answer: answer, errorText: Self.errorText(reason))
        }
    }

    /// The source's error behind `reason`, if any.
    static func errorText(_ reason: FallbackReason) -> String? {
        switch reason {
        case let .error(error), let .backingOff(error): "\(error)"
        case .timeout, .overloaded, .onlyIfCached: nil
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
        case .onlyIfCached:
            return HTTPAnswer.error(504, "only-if-cached: nothing fresh enough is cached", headers: headers)
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
        case .backingOff, .overloaded, .onlyIfCached: "punctual; hit; detail=\(reason.name)"
        }
    }

    /// One line per answer that is not fresh, at `info`: what an operator greps for.
    private func log(_ reason: FallbackReason, _ key: String, _ status: Int, _ age: Duration?) {
        var metadata: Logger.Metadata = ["key": "\(key)", "reason": "\(reason.name)", "status": "\(status)"]
        if let age { metadata["age"] = "\(max(0, age.components.seconds))" }
        if case let .error(error) = reason { metadata["error"] = "\(error)" }
        logger.info(status == 200 ? "stale" : "unavailable", metadata: metadata)
    }
}
