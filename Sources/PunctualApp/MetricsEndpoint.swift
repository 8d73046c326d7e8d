import FastCGI

/// `GET /metrics`: the Prometheus text exposition (format 0.0.4) of `AppMetrics`.
///
/// The nginx snippets expose it to 127.0.0.1 only; scrape it there.
struct MetricsEndpoint: Sendable {
    let metrics: AppMetrics
    let sources: StatusSources

    func answer(_ request: FastCGIRequest) async -> FastCGIResponse {
        FastCGIResponse(
            status: 200,
            headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8"), ("Cache-Control", "no-store")],
            body: metrics.render(sources.snapshot())
        )
    }
}
