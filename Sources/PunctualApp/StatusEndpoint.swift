import FastCGI
import Retrieval

/// `GET /status`: what the responder is doing, as JSON, in the spirit of php-fpm's status
/// page (start time, uptime, requests by outcome, in flight and the most at once) plus
/// what only Punctual has: retrievals running and orphaned, the cache and the cache file.
///
/// The nginx snippets expose it to 127.0.0.1 only.
struct StatusEndpoint: Sendable {
    let sources: StatusSources

    func answer(_ request: FastCGIRequest) async -> FastCGIResponse {
        if StatusPage.wantsHTML(request) { return await StatusPage(sources: sources).answer(request) }
        return FastCGIResponse(
            status: 200,
            headers: [HTTPAnswer.jsonContentType, ("Cache-Control", "no-store")],
            body: Self.render(sources.snapshot())
        )
    }

    static func render(_ status: StatusSnapshot) -> [UInt8] {
        var json = JSONObjectWriter()
        json.add("version", ProcessFacts.version)
        json.add("pid", Int(status.process.pid))
        json.add("start_time", status.process.startTimeText)
        json.add("uptime_seconds", status.uptime.seconds)
        json.add("restarts", status.process.restarts)
        json.add("requests") { requests in
            requests.add("fresh", status.fresh)
            requests.add("hit", status.hits)
            requests.add("stale") { stale in
                for (reason, count) in status.stale { stale.add(reason, count) }
            }
            requests.add("errors") { errors in
                for (code, count) in status.errors { errors.add(String(code), count) }
            }
            requests.add("abandoned", status.abandoned)
            requests.add("failed_writes", status.failedWrites)
            requests.add("in_flight", status.inFlight)
            requests.add("max_in_flight", status.mostInFlight)
            requests.add("wait_applied", status.waitsApplied)
            requests.add("only_if_cached", status.onlyIfCached)
        }
        json.add("retrievals") { retrievals in
            retrievals.add("running", status.figures.runningRetrievals)
            retrievals.add("orphaned", status.figures.orphanedRetrievals)
            retrievals.add("started", status.retrievalsStarted)
            retrievals.add("succeeded", status.retrievalsSucceeded)
            retrievals.add("failed", status.retrievalsFailed)
            retrievals.add("cancelled", status.retrievalsCancelled)
            retrievals.add("orphans_ended", status.orphansEnded)
            retrievals.add("refresh_ahead_started", status.refreshesAheadStarted)
        }
        json.add("cache") { cache in
            cache.add("entries", status.figures.cachedValues)
            cache.add("valueless_entries", status.figures.valuelessEntries)
            cache.add("oldest_value_age_seconds", status.figures.oldestValueAge?.seconds)
            cache.add("evicted", status.valuesEvicted)
        }
        if let store = status.store {
            json.add("store") { json in
                json.add("path", store.path)
                json.add("writes", store.writes)
                json.add("transactions", store.transactions)
                json.add("failures", store.failures)
                json.add("pending", store.pending)
                json.add("dropped", store.dropped)
            }
        } else {
            json.addNull("store")
        }
        json.add("connections") { connections in
            connections.add("open", status.connections)
            connections.add("refused", status.refusedConnections)
        }
        return json.finish()
    }
}
