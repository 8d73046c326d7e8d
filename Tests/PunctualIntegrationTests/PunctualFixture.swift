import Foundation
import PunctualTestSupport
import Synchronization
import Testing

/// The real `punctual` binary and the real nginx in front of it, on a temporary socket
/// and a free port, stopped by PID afterwards even when the test fails.
///
/// The responder can be restarted (gracefully or with `kill -9`) behind the same nginx,
/// on the same socket, with the same or other options: what a cache file must survive.
final class PunctualFixture: Sendable {
    let directory: String
    let socketPath: String
    let port: UInt16
    private let current: Mutex<ChildProcess>
    private let restarts = Atomic<Int>(0)

    /// The responder running now.
    var punctual: ChildProcess { current.withLock { $0 } }

    private init(directory: String, socketPath: String, port: UInt16, punctual: ChildProcess) {
        self.directory = directory
        self.socketPath = socketPath
        self.port = port
        current = Mutex(punctual)
    }

    /// Starts both, runs `body`, stops both; checks that punctual exits 0 on SIGTERM and
    /// removes its socket.
    static func with(_ arguments: [String], _ body: (PunctualFixture) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let socketPath = directory + "/punctual.sock"
            let punctual = try await startPunctual(
                arguments,
                socketPath: socketPath,
                logPath: directory + "/punctual.log"
            )
            let port = try freeLoopbackPort()
            let fixture = PunctualFixture(directory: directory, socketPath: socketPath, port: port, punctual: punctual)
            defer { fixture.punctual.kill() }
            let nginx = try await startNginx(directory: directory, port: port, socketPath: socketPath)
            defer { nginx.kill() }

            try await body(fixture)

            await nginx.stop()
            let status = await fixture.punctual.stop()
            #expect(status == 0, "punctual exits 0 on SIGTERM:\n\(fixture.punctual.log)")
            #expect(!FileManager.default.fileExists(atPath: socketPath), "punctual removes its socket")
        }
    }

    /// Stops the responder (SIGTERM, or SIGKILL with `kill`) and starts it again with
    /// `arguments` on the same socket; returns once it accepts connections.
    func restart(_ arguments: [String], kill: Bool = false) async throws {
        let old = punctual
        if kill {
            old.kill()
        } else {
            let status = await old.stop()
            #expect(status == 0, "punctual exits 0 on SIGTERM:\n\(old.log)")
        }
        let number = restarts.add(1, ordering: .relaxed).newValue
        let next = try await Self.startPunctual(
            arguments,
            socketPath: socketPath,
            logPath: directory + "/punctual-\(number).log"
        )
        current.withLock { $0 = next }
    }

    private static func startPunctual(
        _ arguments: [String],
        socketPath: String,
        logPath: String
    ) async throws
        -> ChildProcess
    {
        let punctual = try ChildProcess(
            builtProduct("punctual"),
            ["--socket", socketPath, "--log-level", "debug"] + arguments,
            logPath: logPath
        )
        guard await eventually({ canConnectUnix(path: socketPath) || !punctual.isRunning }), punctual.isRunning else {
            punctual.kill()
            throw TestFailure("punctual did not start:\n\(punctual.log)")
        }
        return punctual
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
    func concurrent(_ count: Int, path: String = "/retrieve-data") async throws -> [HTTPReply] {
        try await offPool { [port] in try HTTPClient.concurrent(port: port, path: path, count: count) }
    }

    /// Writes an executable `#!/bin/sh` script into the fixture's folder and returns its path.
    func script(_ name: String, _ body: String) throws -> String {
        try writeScript(directory + "/" + name, body)
    }
}

/// Writes an executable `#!/bin/sh` script at `path` and returns the path.
func writeScript(_ path: String, _ body: String) throws -> String {
    try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    guard chmod(path, 0o755) == 0 else { throw TestFailure("chmod \(path) failed") }
    return path
}

/// Whether something accepts connections on the Unix socket at `path`.
func canConnectUnix(path: String) -> Bool {
    guard let fd = try? Sockets.connectUnix(path: path) else { return false }
    close(fd)
    return true
}

/// The recipe's answer, decoded.
struct RecipeAnswer: Decodable, Equatable {
    let message: Double
    let cache: Bool

    init(_ reply: HTTPReply) throws {
        self = try JSONDecoder().decode(RecipeAnswer.self, from: Data(reply.body.utf8))
    }
}
