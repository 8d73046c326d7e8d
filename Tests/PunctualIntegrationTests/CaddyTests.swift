import Foundation
import PunctualTestSupport
import Testing

extension WebServer {
    /// Caddy with `deploy/Caddyfile` (plain HTTP on the test's port instead of the host
    /// name), `caddy run` in the foreground, no admin endpoint, its storage and HOME in the
    /// scratch folder.
    static let caddy = WebServer(name: "Caddy", executable: "/usr/bin/caddy") { setup in
        let directory = setup.directory
        let site = try renderDeployFile(
            "Caddyfile",
            replacing: [
                ("\npunctual.example.com {", "\nhttp://127.0.0.1:\(setup.port) {"),
                ("/run/punctual/punctual.sock", setup.socketPath),
            ]
        )
        try write(
            "{\n\tadmin off\n\tstorage file_system \(directory)/data\n}\n\n" + site,
            to: directory + "/Caddyfile"
        )
        return (
            "/usr/bin/env",
            [
                "HOME=\(directory)", "XDG_DATA_HOME=\(directory)/data", "XDG_CONFIG_HOME=\(directory)/config",
                "/usr/bin/caddy", "run", "--config", directory + "/Caddyfile", "--adapter", "caddyfile",
            ]
        )
    }
}

/// Punctual behind Caddy's FastCGI transport, with the example in deploy/.
@Suite(.serialized, .timeLimit(.minutes(2)), .enabled(if: WebServer.caddy.isInstalled, WebServer.caddy.notInstalled))
struct CaddyTests {
    @Test func caddyGetsFreshAnswersPunctualsOwn404AndTheStatusPage() async throws {
        try await WebServerFixture.with(.caddy, punctual: ["--delay", "0.05", "--timeout", "2"]) { fixture in
            try await fixture.expectFreshAnswers()
        }
    }

    @Test func caddyGetsTheCachedAnswerAtTheDeadline() async throws {
        try await WebServerFixture.with(.caddy, punctual: ["--delay", "10", "--timeout", "1"]) { fixture in
            try await fixture.expectCachedAnswer(deadline: 1)
        }
    }
}
