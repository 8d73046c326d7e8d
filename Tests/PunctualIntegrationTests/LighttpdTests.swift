import Foundation
import PunctualTestSupport
import Testing

extension WebServer {
    /// lighttpd with `deploy/lighttpd-punctual.conf`, in the foreground (`-D`), its pid
    /// file, error log, upload folder and document root in the scratch folder.
    static let lighttpd = WebServer(name: "lighttpd", executable: "/usr/sbin/lighttpd") { setup in
        let directory = setup.directory
        let site = try renderDeployFile(
            "lighttpd-punctual.conf",
            replacing: [("/run/punctual/punctual.sock", setup.socketPath)]
        )
        try write(site, to: directory + "/punctual.conf")
        try FileManager.default.createDirectory(atPath: directory + "/www", withIntermediateDirectories: true)
        // What Debian's lighttpd.conf and `lighty-enable-mod fastcgi` provide, minus the
        // system paths; under root it stays root (no server.username), like the test.
        try write(
            """
            server.document-root = "\(directory)/www"
            server.bind = "127.0.0.1"
            server.port = \(setup.port)
            server.pid-file = "\(directory)/lighttpd.pid"
            server.errorlog = "\(directory)/error.log"
            server.upload-dirs = ( "\(directory)" )
            server.modules = ( "mod_access", "mod_fastcgi" )
            include "\(directory)/punctual.conf"
            """,
            to: directory + "/lighttpd.conf"
        )
        return ("/usr/sbin/lighttpd", ["-D", "-f", directory + "/lighttpd.conf"])
    }
}

/// Punctual behind lighttpd's mod_fastcgi, with the example in deploy/.
@Suite(
    .serialized,
    .timeLimit(.minutes(2)),
    .enabled(if: WebServer.lighttpd.isInstalled, WebServer.lighttpd.notInstalled)
)
struct LighttpdTests {
    @Test func lighttpdGetsFreshAnswersPunctualsOwn404AndTheStatusPage() async throws {
        try await WebServerFixture.with(.lighttpd, punctual: ["--delay", "0.05", "--timeout", "2"]) { fixture in
            try await fixture.expectFreshAnswers()
        }
    }

    @Test func lighttpdGetsTheCachedAnswerAtTheDeadline() async throws {
        try await WebServerFixture.with(.lighttpd, punctual: ["--delay", "10", "--timeout", "1"]) { fixture in
            try await fixture.expectCachedAnswer(deadline: 1)
        }
    }
}
