import Foundation
import PunctualTestSupport
import Testing

/// `--no-supervise` under systemd-style socket activation: the socket on fd 3 with
/// `LISTEN_FDS=1` and `LISTEN_PID` the responder's own pid, and no supervisor in between.
@Suite(.serialized, .timeLimit(.minutes(1))) struct SocketActivationTests {
    /// How the socket gets to fd 3: systemd's own test launcher, or Python doing the same.
    enum Launcher: String, CaseIterable, CustomTestStringConvertible {
        case systemdSocketActivate = "systemd-socket-activate"
        case python = "python3"

        var testDescription: String { rawValue }

        var executable: String? {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            return path.split(separator: ":").map { "\($0)/\(rawValue)" }
                .first { FileManager.default.isExecutableFile(atPath: $0) }
        }

        /// The launcher's command line for serving `socketPath` with `punctual arguments`.
        func commandLine(_ executable: String, socketPath: String, punctual: [String]) -> [String] {
            switch self {
            case .systemdSocketActivate:
                return ["-l", socketPath] + punctual
            case .python:
                let script = """
                    import os, socket, sys
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.bind(sys.argv[1]); s.listen(128)
                    os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
                    os.environ["LISTEN_FDS"] = "1"; os.environ["LISTEN_PID"] = str(os.getpid())
                    os.execv(sys.argv[2], sys.argv[2:])
                    """
                return ["-c", script, socketPath] + punctual
            }
        }
    }

    @Test(arguments: Launcher.allCases)
    func noSuperviseServesTheSocketSystemdPassesOnDescriptorThree(launcher: Launcher) async throws {
        guard let executable = launcher.executable else {
            print("skipped: \(launcher.rawValue) is not installed")
            return
        }
        try await withTemporaryDirectory { directory in
            let socketPath = directory + "/activated.sock"
            let process = try ChildProcess(
                executable,
                launcher.commandLine(
                    executable,
                    socketPath: socketPath,
                    punctual: [builtProduct("punctual"), "--no-supervise", "--delay", "0"]
                ),
                logPath: directory + "/out.log"
            )
            defer { process.kill() }
            #expect(await eventually { canConnectUnix(path: socketPath) }, "\(process.log)")
            let reply = try await offPool { try FastCGIClient(unixSocket: socketPath).request() }
            #expect(reply.status == 200, "\(process.log)")
            #expect(reply.text.contains(#""cache":false"#))
            let status = try await offPool {
                try FastCGIClient(unixSocket: socketPath).request(params: FastCGIClient.nginxParams(path: "/status"))
            }
            let json = try JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any]
            #expect(json?["pid"] as? Int == Int(process.pid), "the launched process serves, no worker")
            #expect(json?["restarts"] as? Int == 0)
            #expect(childProcesses(of: process.pid).isEmpty, "no supervisor, no worker")
            #expect(process.log.contains("role=responder"))
            #expect(await process.stop() == 0)
        }
    }
}
