import FastCGI
import Logging
import Retrieval

/// `/retrieve-data`: the retrieval under its deadline, turned into the recipe's answer.
struct RetrieveDataEndpoint<C: Clock>: Sendable where C.Duration == Duration {
    let retriever: DeadlineRetriever<JSONFragment, C>
    let logger: Logger

    func answer() async -> FastCGIResponse {
        let outcome: RetrievalOutcome<JSONFragment>
        do {
            outcome = try await retriever.retrieve()
        } catch {
            // The client has gone: nobody reads this answer.
            return HTTPAnswer.error(503, "request cancelled")
        }
        switch outcome {
        case let .fresh(value):
            return HTTPAnswer.data(value, cached: false)
        case let .cached(value, age, reason):
            log(reason, served: "the cached value (age \(age))")
            return HTTPAnswer.data(value, cached: true)
        case let .unavailable(reason):
            log(reason, served: "an error: nothing is cached")
            switch reason {
            case .timeout: return HTTPAnswer.error(504, "data retrieval timed out and nothing is cached")
            case .error: return HTTPAnswer.error(502, "data retrieval failed and nothing is cached")
            }
        }
    }

    private func log(_ reason: FallbackReason, served: String) {
        switch reason {
        case .timeout:
            logger.debug("retrieval missed its deadline; served \(served)")
        case let .error(error):
            logger.info("retrieval failed; served \(served)", metadata: ["error": "\(error)"])
        }
    }
}
