/// Where every answer's outcome is counted: the status page's counts and the metrics.
struct RequestObserver: Sendable {
    let counts: RequestCounts
    let metrics: AppMetrics
    /// The status page's table of keys and its latency chart.
    let recent = RecentKeys()
    let latency = LatencyHistogram()

    init(counts: RequestCounts = RequestCounts(), metrics: AppMetrics = AppMetrics()) {
        self.counts = counts
        self.metrics = metrics
    }

    func record(_ outcome: RequestOutcome) {
        counts.record(outcome)
        metrics.record(outcome)
    }
}
