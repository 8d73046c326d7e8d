import FastCGI
import PunctualStore
import Retrieval

/// Every figure `/status` and `/metrics` show, taken at once.
///
/// Reading it costs one pass over the cache (for the oldest value's age) under the
/// engine's lock and a few atomic loads: it never waits for a retrieval, so both pages
/// answer at once even while every retrieval hangs.
struct StatusSnapshot: Sendable {
    struct Store: Sendable {
        let path: String
        let writes: Int
        let transactions: Int
        let failures: Int
        let pending: Int
        let dropped: Int
    }

    let process: ProcessFacts
    let uptime: Duration
    let fresh: Int
    let hits: Int
    let waitsApplied: Int
    let onlyIfCached: Int
    let refreshesAheadStarted: Int
    /// By reason, in `RequestOutcome.staleReasons` order.
    let stale: [(reason: String, count: Int)]
    /// By status, ascending.
    let errors: [(status: Int, count: Int)]
    let inFlight: Int
    let mostInFlight: Int
    let abandoned: Int
    let failedWrites: Int
    let connections: Int
    let refusedConnections: Int
    let figures: RetrievalFigures
    let retrievalsStarted: Int
    let retrievalsSucceeded: Int
    let retrievalsFailed: Int
    let retrievalsCancelled: Int
    let orphansEnded: Int
    let valuesEvicted: Int
    let store: Store?
}

/// Where the snapshot's figures live; the app builds one and hands it to both pages.
struct StatusSources: Sendable {
    let process: ProcessFacts
    let counts: RequestCounts
    let server: ServerStatistics
    let retrievals: @Sendable () -> (RetrievalFigures, RetrievalStatistics)
    let store: SQLiteStore?
    /// The status page's table and chart.
    var recent = RecentKeys()
    var latency = LatencyHistogram()
    /// A cached value's age, by key.
    var valueAge: @Sendable (String) -> Duration? = { _ in nil }

    func snapshot() -> StatusSnapshot {
        let (figures, statistics) = retrievals()
        return StatusSnapshot(
            process: process,
            uptime: process.uptime,
            fresh: counts.freshCount,
            hits: counts.hitCount,
            waitsApplied: counts.waitAppliedCount,
            onlyIfCached: counts.onlyIfCachedCount,
            refreshesAheadStarted: statistics.refreshesAheadStarted,
            stale: RequestOutcome.staleReasons.map { ($0, counts.staleCount($0)) },
            errors: counts.errorCounts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            inFlight: counts.currentlyInFlight,
            mostInFlight: counts.mostAtOnce,
            abandoned: server.requestsAbandoned,
            failedWrites: server.requestsFailed,
            connections: server.connections,
            refusedConnections: server.connectionsRefused,
            figures: figures,
            retrievalsStarted: statistics.retrievalsStarted,
            retrievalsSucceeded: statistics.retrievalsSucceeded,
            retrievalsFailed: statistics.retrievalsFailed,
            retrievalsCancelled: statistics.retrievalsCancelled,
            orphansEnded: statistics.orphansEnded,
            valuesEvicted: statistics.valuesEvicted,
            store: store.map {
                StatusSnapshot.Store(
                    path: $0.path,
                    writes: $0.writesCommitted,
                    transactions: $0.transactionsCommitted,
                    failures: $0.writeFailures,
                    pending: $0.pendingCount,
                    dropped: $0.valuesDropped
                )
            }
        )
    }
}
