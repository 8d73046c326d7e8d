import Foundation
import PunctualTestSupport
import Testing

extension WebServer {
    /// h2o with `deploy/h2o-punctual.conf` (on 127.0.0.1 and the test's port), in the
    /// foreground, its pid file and error log in the scratch folder.
    static let h2o = WebServer(name: "h2o", executable: "/usr/bin/h2o") { setup in
        let directory = setup.directory
        let site = try renderDeployFile(
            "h2o-punctual.conf",
            replacing: [
                (#""punctual.example.com":"#, #""127.0.0.1:\#(setup.port)":"#),
                ("      port: 80\n", "      host: 127.0.0.1\n      port: \(setup.port)\n"),
                ("/run/punctual/punctual.sock", setup.socketPath),
            ]
        )
        // Under root h2o would drop to nobody, who cannot reach the 0660 socket.
        let user = runningAsRoot ? "user: root\n" : ""
        try write(
            user + "pid-file: \(directory)/h2o.pid\nerror-log: \(directory)/error.log\n" + site,
            to: directory + "/h2o.conf"
        )
        return ("/usr/bin/h2o", ["-c", directory + "/h2o.conf"])
    }
}

/// Punctual behind h2o's FastCGI handler, with the example in deploy/.
@Suite(.serialized, .timeLimit(.minutes(2)), .enabled(if: WebServer.h2o.isInstalled, WebServer.h2o.notInstalled))
struct H2OTests {
    @Test func h2oGetsFreshAnswersPunctualsOwn404AndTheStatusPage() async throws {
        try await WebServerFixture.with(.h2o, punctual: ["--delay", "0.05", "--timeout", "2"]) { fixture in
            try await fixture.expectFreshAnswers()
        }
    }

    @Test func h2oGetsTheCachedAnswerAtTheDeadline() async throws {
        try await WebServerFixture.with(.h2o, punctual: ["--delay", "10", "--timeout", "1"]) { fixture in
            try await fixture.expectCachedAnswer(deadline: 1)
        }
    }
}
