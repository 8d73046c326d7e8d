import Foundation
import PunctualTestSupport
import Testing

/// A FastCGI web server from Debian's packages, and how to run it unprivileged from a
/// scratch folder in front of Punctual: the suites of ApacheTests, LighttpdTests,
/// CaddyTests and H2OTests each define one.
struct WebServer: Sendable {
    /// Where a test runs it: the scratch folder, a free loopback port, Punctual's socket.
    struct Setup: Sendable {
        let directory: String
        let port: UInt16
        let socketPath: String
    }

    let name: String
    /// The package's binary; a suite is skipped only when it is missing.
    let executable: String
    /// Writes the configuration into `setup.directory` (the example from `deploy/` with
    /// its production paths and port replaced, inside a minimal main configuration whose
    /// every path is in that folder) and returns the command line that runs the server in
    /// the foreground.
    let configure: @Sendable (Setup) throws -> (executable: String, arguments: [String])

    var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }
    var notInstalled: Comment { "\(name) is not installed (make deps installs it): \(executable) is missing" }
}

/// A real `punctual` on a temporary socket behind a real web server on a free loopback
/// port, both stopped by PID (the server by process group) afterwards, even when the
/// test fails.
final class WebServerFixture: Sendable {
    let port: UInt16
    let punctual: ChildProcess
    let server: ProcessGroup

    private init(port: UInt16, punctual: ChildProcess, server: ProcessGroup) {
        self.port = port
        self.punctual = punctual
        self.server = server
    }

    static func with(
        _ webServer: WebServer,
        punctual arguments: [String],
        _ body: (WebServerFixture) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let socketPath = directory + "/punctual.sock"
            let punctual = try await startPunctual(
                arguments,
                socketPath: socketPath,
                logPath: directory + "/punctual.log"
            )
            defer { punctual.kill() }
            let port = try freeLoopbackPort()
            let command = try webServer.configure(.init(directory: directory, port: port, socketPath: socketPath))
            let server = try ProcessGroup(command.executable, command.arguments, logPath: directory + "/server.log")
            defer { server.kill() }
            guard await eventually({ canConnect(port: port) || !server.process.isRunning }), server.process.isRunning
            else {
                throw TestFailure("\(webServer.name) did not start:\n\(server.log)")
            }
            let fixture = WebServerFixture(port: port, punctual: punctual, server: server)
            try await body(fixture)
            #expect(await server.stop(), "\(webServer.name) stops on SIGTERM:\n\(server.log)")
            #expect(await punctual.stop() == 0, "punctual exits 0 on SIGTERM:\n\(punctual.log)")
        }
    }

    /// A request through the web server, its body de-chunked (Apache and lighttpd send
    /// `Transfer-Encoding: chunked`).
    func get(_ path: String) async throws -> WebReply {
        WebReply(try await offPool { [port] in try HTTPClient.request(port: port, path: path) })
    }

    /// A fresh answer (for the default key and another), Punctual's JSON 404 for a path
    /// it does not know (so the path reaches it whole), and `/status` from 127.0.0.1.
    func expectFreshAnswers() async throws {
        for path in ["/retrieve-data", "/retrieve-data?key=abc"] {
            let reply = try await get(path)
            #expect(reply.status == 200, "\(path): \(reply)\n\(server.log)")
            #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true, "\(reply)")
            #expect(try reply.answer().cache == false, "\(reply.body)")
            #expect(reply.headers["cache-status"] == "punctual; fwd=miss; stored", "\(reply)")
        }

        let unknown = try await get("/retrieve-data/nowhere")
        #expect(unknown.status == 404, "\(unknown)")
        #expect(unknown.body.contains(#""error""#), "Punctual's JSON 404, not the server's: \(unknown.body)")

        let status = try await get("/status")
        #expect(status.status == 200, "\(status)")
        let json = try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any]
        #expect(json?["pid"] as? Int == Int(punctual.pid), "\(status.body)")
        #expect(try await get("/metrics").body.contains("punctual_requests_total"))
        for path in ["/status", "/metrics"] {
            let stranger = try await offPool { [port] in try OtherLoopbackClient.get(port: port, path: path) }
            #expect([403, 404].contains(stranger.status), "\(path) from 127.0.0.2: \(stranger)")
        }
    }

    /// The cached answer at the deadline (`deadline` seconds, against a slower source).
    func expectCachedAnswer(deadline: Double) async throws {
        let reply = try await get("/retrieve-data")
        #expect(reply.status == 200, "\(reply)\n\(server.log)")
        #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true, "\(reply)")
        #expect(try reply.answer().cache == true, "\(reply.body)")
        #expect(reply.headers["cache-status"]?.contains("detail=timeout") == true, "\(reply)")
        #expect(reply.latency >= .seconds(deadline * 0.8), "answered at the deadline, not before: \(reply.latency)")
    }
}

/// Starts `punctual` on `socketPath`; returns once it accepts connections.
func startPunctual(_ arguments: [String], socketPath: String, logPath: String) async throws -> ChildProcess {
    let punctual = try ChildProcess(
        builtProduct("punctual"),
        // Alone, so that its pid is the one /status reports (the supervisor has its own tests).
        ["--no-supervise", "--socket", socketPath, "--log-level", "debug"] + arguments,
        logPath: logPath
    )
    guard await eventually({ canConnectUnix(path: socketPath) || !punctual.isRunning }), punctual.isRunning else {
        punctual.kill()
        throw TestFailure("punctual did not start:\n\(punctual.log)")
    }
    return punctual
}

/// The example configuration `deploy/<name>` with each production value replaced by the
/// test's; a value the file no longer contains is an error, so the test cannot quietly
/// drift from the example it checks.
func renderDeployFile(_ name: String, replacing replacements: [(String, String)]) throws -> String {
    var text = try String(contentsOfFile: repositoryRoot() + "/deploy/" + name, encoding: .utf8)
    for (production, test) in replacements {
        guard text.contains(production) else { throw TestFailure("deploy/\(name) no longer contains \(production)") }
        text = text.replacingOccurrences(of: production, with: test)
    }
    return text
}

/// Writes `text` to `path`.
func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// Whether the tests run as root, where servers would drop to an unprivileged user that
/// cannot reach Punctual's 0660 socket unless told otherwise.
var runningAsRoot: Bool { getuid() == 0 }

/// An answer through a web server, with its body de-chunked.
struct WebReply: CustomStringConvertible {
    let status: Int
    let headers: [String: String]
    let body: String
    let latency: Duration

    init(_ reply: HTTPReply) {
        status = reply.status
        headers = reply.headers
        latency = reply.latency
        body = reply.headers["transfer-encoding"] == "chunked" ? Self.dechunk(reply.body) : reply.body
    }

    var description: String { "\(status) \(headers) \(body)" }

    /// The recipe's answer, decoded.
    func answer() throws -> RecipeAnswer {
        try JSONDecoder().decode(RecipeAnswer.self, from: Data(body.utf8))
    }

    /// `size CRLF data CRLF`… up to the `0` chunk.
    static func dechunk(_ text: String) -> String {
        var rest = Substring(text)
        var body = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let end = rest.utf8.index(start, offsetBy: size, limitedBy: rest.endIndex) ?? rest.endIndex
            body += rest[start..<end]
            rest = rest[end...].dropFirst(2)
        }
        return body
    }
}
