import Foundation
import PunctualTestSupport
import Testing

/// Debian's Chromium (or another), if installed.
let headlessChromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// The HTML status page through the real nginx, loaded by a real headless Chromium: it
/// renders (a screenshot is taken), its table holds the keys just asked for, and a key
/// that is markup shows as text and never runs.
///
/// `make screenshot` runs this test with `PUNCTUAL_SCREENSHOT_PATH` set, to regenerate the
/// README's picture.
@Suite(.enabled(if: headlessChromium != nil, "chromium is not installed (apt-get install chromium)"))
struct StatusPageInBrowserTests {
    static var chromium: String? { headlessChromium }

    /// Runs headless Chromium on `url` with `arguments`; returns what it printed.
    private func chromium(_ arguments: [String], url: String, directory: String) async throws -> String {
        let process = try ChildProcess(
            Self.chromium!,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=\(directory)/chromium-profile", "--window-size=1200,1000",
            ] + arguments + [url],
            logPath: directory + "/chromium-\(UUID().uuidString).log"
        )
        defer { process.kill() }
        guard await eventually(timeout: .seconds(90), { !process.isRunning }) else {
            throw TestFailure("chromium did not finish:\n\(process.log.suffix(2000))")
        }
        return process.log
    }

    @Test func thePageRendersTheKeysAsTextAndRunsNoScript() async throws {
        try await PunctualFixture.with(["--delay", "0.05", "--timeout", "2"]) { fixture in
            let hostile = [
                "<script>alert(1)</script>",
                #"<img src=x onerror="document.body.setAttribute('data-pwned','1')">"#,
            ]
            for key in ["plain-key"] + hostile {
                let encoded = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key
                let reply = try await fixture.get("/retrieve-data?key=\(encoded)")
                #expect(reply.status == 200)
            }
            let url = "http://127.0.0.1:\(fixture.port)/status.html"
            let output = try await chromium(["--dump-dom"], url: url, directory: fixture.directory)
            // What Chromium printed besides the DOM (its wrapper's and its own messages) goes.
            let dom =
                output.range(of: "<!DOCTYPE html>", options: .caseInsensitive).map { String(output[$0.lowerBound...]) }
                ?? output
            #expect(dom.contains(#"<table id="recent-keys">"#), "the table is there:\n\(dom.suffix(3000))")
            #expect(dom.contains("plain-key"))
            #expect(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the script-tag key is shown as text")
            if let match = dom.range(of: "<script>alert(1)</script>") {
                Issue.record("the key is markup: \(dom[..<match.upperBound].suffix(400))")
            }
            // The key's own text mentions data-pwned; had its handler run, the body would carry it.
            #expect(dom.contains("<body>") && !dom.contains(#"data-pwned="1""#), "no handler of a key ran")
            #expect(dom.contains(#"<svg id="latency""#), "the latency chart is drawn")

            let screenshot =
                ProcessInfo.processInfo.environment["PUNCTUAL_SCREENSHOT_PATH"] ?? fixture.directory + "/status.png"
            _ = try await chromium(
                ["--screenshot=\(screenshot)", "--hide-scrollbars"],
                url: url,
                directory: fixture.directory
            )
            let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG screenshot was taken")
            #expect(png.count > 10_000, "of a page with something on it")
        }
    }

    @Test func jsonStaysTheDefaultAndHTMLIsAskedForWithAccept() async throws {
        try await PunctualFixture.with(["--delay", "0"]) { fixture in
            let json = try await fixture.get("/status")
            #expect(json.headers["content-type"] == "application/json")
            let request = "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: text/html\r\n\r\n"
            let port = fixture.port
            let html = try await offPool { try HTTPClient.send(port: port, request: Array(request.utf8)) }
            #expect(html.headers["content-type"] == "text/html; charset=utf-8")
            #expect(html.headers["content-security-policy"]?.contains("default-src 'none'") == true)
            #expect(html.body.contains("<h1>Punctual"))
        }
    }
}
