import Foundation
import PunctualTestSupport
import Testing

extension WebServer {
    /// Apache httpd with `deploy/apache-punctual.conf`, in the foreground (`-DFOREGROUND`)
    /// with its own ServerRoot, configuration, pid file, logs, mutexes and runtime folder in
    /// the scratch folder, loading only the modules it needs from Debian's module folder.
    static let apache = WebServer(name: "Apache (apache2)", executable: "/usr/sbin/apache2") { setup in
        let directory = setup.directory
        let site = try renderDeployFile(
            "apache-punctual.conf",
            replacing: [
                ("<VirtualHost *:80>", "<VirtualHost 127.0.0.1:\(setup.port)>"),
                ("/run/punctual/punctual.sock", setup.socketPath),
                ("${APACHE_LOG_DIR}", directory),
            ]
        )
        try write(site, to: directory + "/punctual-site.conf")
        let modules = "/usr/lib/apache2/modules"
        // Under root the workers must not stay root (Apache refuses): an unprivileged user
        // in root's group, which Punctual's 0660 socket admits.
        let user = runningAsRoot ? "User nobody\nGroup root" : ""
        try write(
            """
            ServerRoot "\(directory)"
            ServerName 127.0.0.1
            Listen 127.0.0.1:\(setup.port)
            PidFile "\(directory)/apache2.pid"
            ErrorLog "\(directory)/error.log"
            LogLevel warn
            DefaultRuntimeDir "\(directory)"
            Mutex file:\(directory) default
            \(user)
            LoadModule mpm_event_module \(modules)/mod_mpm_event.so
            LoadModule authz_core_module \(modules)/mod_authz_core.so
            LoadModule authz_host_module \(modules)/mod_authz_host.so
            LoadModule proxy_module \(modules)/mod_proxy.so
            LoadModule proxy_fcgi_module \(modules)/mod_proxy_fcgi.so
            StartServers 1
            ServerLimit 1
            ThreadsPerChild 16
            MaxRequestWorkers 16
            MinSpareThreads 1
            MaxSpareThreads 16
            Include "\(directory)/punctual-site.conf"
            """,
            to: directory + "/apache2.conf"
        )
        return (
            "/usr/sbin/apache2",
            ["-DFOREGROUND", "-d", directory, "-f", directory + "/apache2.conf", "-E", directory + "/startup.log"]
        )
    }
}

/// Punctual behind Apache's mod_proxy_fcgi, with the example in deploy/.
@Suite(.serialized, .timeLimit(.minutes(2)), .enabled(if: WebServer.apache.isInstalled, WebServer.apache.notInstalled))
struct ApacheTests {
    @Test func apacheGetsFreshAnswersPunctualsOwn404AndTheStatusPage() async throws {
        try await WebServerFixture.with(.apache, punctual: ["--delay", "0.05", "--timeout", "2"]) { fixture in
            try await fixture.expectFreshAnswers()
        }
    }

    @Test func apacheGetsTheCachedAnswerAtTheDeadline() async throws {
        try await WebServerFixture.with(.apache, punctual: ["--delay", "10", "--timeout", "1"]) { fixture in
            try await fixture.expectCachedAnswer(deadline: 1)
        }
    }
}
