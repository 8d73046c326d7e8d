import Foundation
import PunctualTestSupport
import Testing

/// The real `punctual` binary and the real nginx in front of it, on a temporary socket
/// and a free port, stopped by PID afterwards even when the test fails.
struct PunctualFixture {
    let directory: String
    let socketPath: String
    let port: UInt16
    let punctual: ChildProcess

    /// Starts both, runs `body`, stops both; checks that punctual exits 0 on SIGTERM and
    /// removes its socket.
    static func with(_ arguments: [String], _ body: (PunctualFixture) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let socketPath = directory + "/punctual.sock"
            let punctual = try ChildProcess(
                builtProduct("punctual"),
                ["--socket", socketPath, "--log-level", "debug"] + arguments,
                logPath: directory + "/punctual.log"
            )
            defer { punctual.kill() }
            guard await eventually({ FileManager.default.fileExists(atPath: socketPath) }) else {
                throw TestFailure("punctual did not create its socket:\n\(punctual.log)")
            }
            let port = try freeLoopbackPort()
            let nginx = try await startNginx(directory: directory, port: port, socketPath: socketPath)
            defer { nginx.kill() }

            let fixture = PunctualFixture(directory: directory, socketPath: socketPath, port: port, punctual: punctual)
            try await body(fixture)

            await nginx.stop()
            let status = await punctual.stop()
            #expect(status == 0, "punctual exits 0 on SIGTERM:\n\(punctual.log)")
            #expect(!FileManager.default.fileExists(atPath: socketPath), "punctual removes its socket")
        }
    }

    private static func startNginx(directory: String, port: UInt16, socketPath: String) async throws -> ChildProcess {
        let render = try ChildProcess(
            repositoryRoot() + "/nginx/render-dev-config",
            [directory, String(port), socketPath],
            logPath: directory + "/render.log"
        )
        guard await eventually({ !render.isRunning }), render.exitStatus == 0 else {
            throw TestFailure("render-dev-config failed: \(render.log)")
        }
        let executable =
            ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "nginx"
        let nginx = try ChildProcess(
            executable,
            ["-p", directory, "-c", directory + "/nginx.conf", "-e", "stderr"],
            logPath: directory + "/nginx.log"
        )
        guard await eventually({ canConnect(port: port) }) else {
            nginx.kill()
            throw TestFailure("nginx did not start:\n\(nginx.log)")
        }
        return nginx
    }

    /// A request through nginx.
    func get(_ path: String = "/retrieve-data", method: String = "GET") async throws -> HTTPReply {
        try await offPool { [port] in try HTTPClient.request(port: port, method: method, path: path) }
    }

    /// `count` requests at once through nginx.
    func concurrent(_ count: Int) async throws -> [HTTPReply] {
        try await offPool { [port] in try HTTPClient.concurrent(port: port, count: count) }
    }
}

/// The recipe's answer, decoded.
struct RecipeAnswer: Decodable, Equatable {
    let message: Double
    let cache: Bool

    init(_ reply: HTTPReply) throws {
        self = try JSONDecoder().decode(RecipeAnswer.self, from: Data(reply.body.utf8))
    }
}
