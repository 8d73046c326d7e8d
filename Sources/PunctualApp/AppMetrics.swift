import CoreMetrics
import Prometheus
import Retrieval
import Synchronization

/// `GET /metrics`: Prometheus text exposition, through swift-metrics and swift-prometheus.
///
/// Answers are counted as they happen (`punctual_requests_total` by outcome, reason and
/// status; `punctual_retrieval_duration_seconds`, a histogram by result); the figures that
/// are states rather than events (in flight, cache size, store queue) and the engine's and
/// store's own counters are read from a `StatusSnapshot` when Prometheus scrapes. The
/// registry is this application's own, not the process-wide default, so that several
/// applications (tests) never share counters.
final class AppMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let fresh: CoreMetrics.Counter
    private let hit: CoreMetrics.Counter
    private let stale: [String: CoreMetrics.Counter]
    private let errors = Mutex<[Int: CoreMetrics.Counter]>([:])
    private let durations: [RetrievalResult: CoreMetrics.Timer]
    private let mirrored = Mutex<[String: Int]>([:])

    /// How a retrieval ended, for the duration histogram.
    enum RetrievalResult: String, Sendable, CaseIterable {
        case success, failure, cancelled
    }

    static let requestsLabel = "punctual_requests_total"
    static let durationLabel = "punctual_retrieval_duration_seconds"

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Self.durationLabel] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
            .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        self.factory = factory
        fresh = CoreMetrics.Counter(label: Self.requestsLabel, dimensions: [("outcome", "fresh")], factory: factory)
        hit = CoreMetrics.Counter(label: Self.requestsLabel, dimensions: [("outcome", "hit")], factory: factory)
        var stale: [String: CoreMetrics.Counter] = [:]
        for reason in RequestOutcome.staleReasons {
            stale[reason] = CoreMetrics.Counter(
                label: Self.requestsLabel,
                dimensions: [("outcome", "stale"), ("reason", reason)],
                factory: factory
            )
        }
        self.stale = stale
        var durations: [RetrievalResult: CoreMetrics.Timer] = [:]
        for result in RetrievalResult.allCases {
            durations[result] = CoreMetrics.Timer(
                label: Self.durationLabel,
                dimensions: [("result", result.rawValue)],
                factory: factory
            )
        }
        self.durations = durations
    }

    func record(_ outcome: RequestOutcome) {
        switch outcome {
        case .fresh: fresh.increment()
        case .hit: hit.increment()
        case .stale(let reason): stale[reason]?.increment()
        case .error(let status):
            errors.withLock { counters in
                if counters[status] == nil {
                    counters[status] = CoreMetrics.Counter(
                        label: Self.requestsLabel,
                        dimensions: [("outcome", "error"), ("status", String(status))],
                        factory: factory
                    )
                }
                return counters[status]
            }?.increment()
        }
    }

    func recordRetrieval(_ result: RetrievalResult, took duration: Duration) {
        durations[result]?.recordNanoseconds(duration.nanoseconds)
    }

    /// The exposition text, with the state figures of `status`.
    func render(_ status: StatusSnapshot) -> [UInt8] {
        gauge("info", "", "Punctual's version, as a label.", 1, labels: [("version", ProcessFacts.version)])
        gauge("uptime", "seconds", "Time since the serving process started.", status.uptime.seconds)
        gauge("worker_restarts", "", "Times the supervisor restarted the serving process.", status.process.restarts)
        gauge("requests_in_flight", "", "Requests waiting for their answer now.", status.inFlight)
        gauge("requests_in_flight_max", "", "The most requests in flight at once.", status.mostInFlight)
        gauge("connections_open", "", "Connections from the web server open now.", status.connections)
        gauge(
            "retrievals_running",
            "",
            "Source retrievals running now, orphaned ones included.",
            status.figures.runningRetrievals
        )
        gauge(
            "retrievals_orphaned",
            "",
            "Retrievals given up on whose source still runs.",
            status.figures.orphanedRetrievals
        )
        gauge("cache_values", "", "Keys with a last good value.", status.figures.cachedValues)
        gauge("cache_valueless_entries", "", "Keys tracked without a value.", status.figures.valuelessEntries)
        gauge(
            "cache_oldest_value_age",
            "seconds",
            "Age of the oldest cached value.",
            status.figures.oldestValueAge?.seconds ?? 0
        )
        mirror("requests_abandoned", "Requests whose client left before the answer.", status.abandoned)
        mirror("requests_failed_writes", "Answers that could not be written whole.", status.failedWrites)
        mirror("retrievals_started", "Retrievals started.", status.retrievalsStarted)
        mirror("retrievals_succeeded", "Retrievals whose value was cached.", status.retrievalsSucceeded)
        mirror("retrievals_failed", "Retrievals that failed or outlived --max-retrieval.", status.retrievalsFailed)
        mirror("retrievals_cancelled", "Retrievals cancelled because nobody waited.", status.retrievalsCancelled)
        mirror("cache_evictions", "Values evicted from the cache.", status.valuesEvicted)
        mirror(
            "refresh_ahead_started",
            "Background refreshes started by hits past --refresh-ahead.",
            status.refreshesAheadStarted
        )
        mirror("client_wait_applied", "Requests whose Prefer: wait set their deadline.", status.waitsApplied)
        mirror("only_if_cached_requests", "Requests with Cache-Control: only-if-cached.", status.onlyIfCached)
        if let store = status.store {
            gauge("store_pending", "", "Values waiting to be written to the cache file.", store.pending)
            mirror("store_writes", "Values written to the cache file.", store.writes)
            mirror("store_transactions", "Transactions committed to the cache file.", store.transactions)
            mirror("store_write_failures", "Failed writes to the cache file.", store.failures)
        }
        return registry.emitToBuffer()
    }

    private func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "punctual", metricName: name, unitName: unit, helpText: help)
    }

    private func gauge(
        _ name: String,
        _ unit: String,
        _ help: String,
        _ value: some BinaryInteger,
        labels: [(String, String)] = []
    ) {
        gauge(name, unit, help, Double(value), labels: labels)
    }

    private func gauge(
        _ name: String,
        _ unit: String,
        _ help: String,
        _ value: Double,
        labels: [(String, String)] = []
    ) {
        registry.makeGauge(descriptor: descriptor(name, unit, help), labels: labels).set(value)
    }

    /// A counter (`punctual_NAME_total`) that follows a count kept elsewhere (the
    /// engine's, the store's): it is advanced by what the count gained since the last
    /// scrape, so it only ever grows.
    private func mirror(_ name: String, _ help: String, _ value: Int) {
        let gained = mirrored.withLock { seen -> Int in
            defer { seen[name] = max(seen[name] ?? 0, value) }
            return max(0, value - (seen[name] ?? 0))
        }
        let counter = registry.makeCounter(descriptor: descriptor(name, "total", help))
        if gained > 0 { counter.increment(by: Int64(gained)) }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
