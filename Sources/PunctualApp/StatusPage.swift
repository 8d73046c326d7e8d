import FastCGI
import Retrieval

/// `GET /status` with `Accept: text/html`, or `/status.html`: the status page people look
/// at, rendered here, with no JavaScript at all (it refreshes itself every 5 s with a
/// `<meta http-equiv="refresh">`).
///
/// Every key, value age and error shown is HTML-escaped, and the page forbids scripts
/// outright (`Content-Security-Policy: default-src 'none'`), so a key such as
/// `<script>alert(1)</script>` shows as text and can never run.
struct StatusPage: Sendable {
    let sources: StatusSources

    func answer(_ request: FastCGIRequest) async -> FastCGIResponse {
        FastCGIResponse(
            status: 200,
            headers: [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Cache-Control", "no-store"),
                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
                ("X-Content-Type-Options", "nosniff"),
            ],
            body: Array(render().utf8)
        )
    }

    /// Whether a `/status` request asks for the page rather than JSON.
    static func wantsHTML(_ request: FastCGIRequest) -> Bool {
        guard let accept = request.header("Accept")?.lowercased() else { return false }
        return accept.contains("text/html")
    }

    func render() -> String {
        let status = sources.snapshot()
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="refresh" content="5">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Punctual status</title>
            <style>\(Self.style)</style></head><body>
            <h1>Punctual <small>\(escape(ProcessFacts.version))</small></h1>
            <p id="process">pid \(status.process.pid) · started \(escape(status.process.startTimeText)) · \
            up \(Self.duration(status.uptime)) · restarts \(status.process.restarts)</p>
            <div class="grid">
            """
        html += section("Requests", id: "requests", rows: requestRows(status))
        html += section(
            "Retrievals",
            id: "retrievals",
            rows: [
                ("running", "\(status.figures.runningRetrievals)"),
                ("orphaned (given up, still running)", "\(status.figures.orphanedRetrievals)"),
                ("started", "\(status.retrievalsStarted)"), ("succeeded", "\(status.retrievalsSucceeded)"),
                ("failed", "\(status.retrievalsFailed)"), ("cancelled", "\(status.retrievalsCancelled)"),
                ("refreshed ahead", "\(status.refreshesAheadStarted)"),
            ]
        )
        html += section(
            "Cache",
            id: "cache",
            rows: [
                ("values", "\(status.figures.cachedValues)"),
                ("keys without a value", "\(status.figures.valuelessEntries)"),
                ("oldest value", status.figures.oldestValueAge.map(Self.duration) ?? "–"),
                ("evicted", "\(status.valuesEvicted)"),
                ("cache file", status.store.map { escape($0.path) } ?? "none"),
                ("file writes / failures", status.store.map { "\($0.writes) / \($0.failures)" } ?? "–"),
            ]
        )
        html += "</div>\n<h2>Latency of /retrieve-data</h2>\n" + latencyChart()
        html += recentKeysTable()
        html += "</body></html>\n"
        return html
    }

    private func requestRows(_ status: StatusSnapshot) -> [(String, String)] {
        var rows: [(String, String)] = [("fresh", "\(status.fresh)"), ("hit", "\(status.hits)")]
        for (reason, count) in status.stale { rows.append(("stale: \(reason)", "\(count)")) }
        for (code, count) in status.errors { rows.append(("error \(code)", "\(count)")) }
        rows += [
            ("abandoned", "\(status.abandoned)"), ("in flight", "\(status.inFlight)"),
            ("most in flight", "\(status.mostInFlight)"),
        ]
        return rows
    }

    private func section(_ title: String, id: String, rows: [(String, String)]) -> String {
        var html = "<section id=\"\(id)\"><h2>\(title)</h2><table>"
        for (name, value) in rows {
            html += "<tr><th>\(escape(name))</th><td>\(value)</td></tr>"
        }
        return html + "</table></section>\n"
    }

    /// The latency buckets as bars, in inline SVG.
    private func latencyChart() -> String {
        let buckets = sources.latency.buckets
        let most = max(1, buckets.map(\.count).max() ?? 1)
        let width = 60
        let height = 120
        var svg =
            "<svg id=\"latency\" role=\"img\" aria-label=\"latency histogram\" "
            + "viewBox=\"0 0 \(buckets.count * width) \(height + 40)\" width=\"\(buckets.count * width)\" "
            + "height=\"\(height + 40)\">"
        for (index, bucket) in buckets.enumerated() {
            let barHeight = bucket.count == 0 ? 0 : max(2, bucket.count * height / most)
            let x = index * width
            svg +=
                "<rect x=\"\(x + 8)\" y=\"\(height - barHeight)\" width=\"\(width - 16)\" height=\"\(barHeight)\">"
                + "<title>\(escape(bucket.label)): \(bucket.count)</title></rect>"
                + "<text x=\"\(x + width / 2)\" y=\"\(height + 15)\">\(escape(bucket.label))</text>"
                + "<text x=\"\(x + width / 2)\" y=\"\(height + 32)\">\(bucket.count)</text>"
        }
        return svg + "</svg>\n"
    }

    private func recentKeysTable() -> String {
        var html =
            "<h2>Keys asked for most recently</h2>\n<table id=\"recent-keys\"><thead><tr>"
            + "<th>key</th><th>value age</th><th>last outcome</th><th>last error</th><th>asked</th>"
            + "</tr></thead><tbody>"
        for record in sources.recent.newestFirst {
            let age = sources.valueAge(record.key).map(Self.duration) ?? "no value"
            html +=
                "<tr><td class=\"key\">\(escape(record.key))</td><td>\(escape(age))</td>"
                + "<td>\(escape(record.outcome))</td><td>\(escape(record.error ?? ""))</td>"
                + "<td>\(escape(Self.duration(record.at.duration(to: .now())))) ago</td></tr>"
        }
        return html + "</tbody></table>\n"
    }

    /// `3.2 s`, `4 min 10 s`, `2 h 5 min`.
    static func duration(_ duration: Duration) -> String {
        let seconds = max(0, duration.seconds)
        if seconds < 60 { return seconds < 10 ? "\((seconds * 10).rounded() / 10) s" : "\(Int(seconds)) s" }
        let whole = Int(seconds)
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        if whole < 86_400 { return "\(whole / 3600) h \(whole % 3600 / 60) min" }
        return "\(whole / 86_400) d \(whole % 86_400 / 3600) h"
    }

    private static let style = """
        body{font:15px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
        h1 small{font-size:.5em;color:#777}h2{font-size:1.05em;margin:1.2em 0 .4em}
        .grid{display:flex;flex-wrap:wrap;gap:2em}table{border-collapse:collapse}
        th,td{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}
        td{font-variant-numeric:tabular-nums}#recent-keys td.key{font-family:ui-monospace,monospace}
        svg rect{fill:#3a7bd5}svg text{font-size:11px;text-anchor:middle;fill:#444}
        """
}

/// Text made safe for HTML content and attribute values.
func escape(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        default: escaped.append(character)
        }
    }
    return escaped
}
