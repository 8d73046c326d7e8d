import Foundation
import PunctualTestSupport
import Testing

/// `deploy/punctual.socket` and `deploy/punctual.service`: what they promise, and that
/// `systemd-analyze verify` accepts them with ExecStart pointing at the built binary.
@Suite(.timeLimit(.minutes(1))) struct SystemdUnitsTests {
    static let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static func unit(_ name: String) throws -> String {
        try String(contentsOfFile: repositoryRoot() + "/deploy/" + name, encoding: .utf8)
    }

    /// Runs `systemd-analyze verify` on copies of both units, the service's binary replaced by `binary`.
    static func verify(binary: String) async throws -> (status: Int32, output: String) {
        try await withTemporaryDirectory { directory in
            try unit("punctual.socket").write(toFile: directory + "/punctual.socket", atomically: true, encoding: .utf8)
            try unit("punctual.service").replacingOccurrences(of: "/usr/local/bin/punctual", with: binary)
                .write(toFile: directory + "/punctual.service", atomically: true, encoding: .utf8)
            let process = try ChildProcess(
                systemdAnalyze ?? "systemd-analyze",
                ["verify", "--man=no", directory + "/punctual.socket", directory + "/punctual.service"],
                logPath: directory + "/verify.log"
            )
            guard await eventually(timeout: .seconds(30), { !process.isRunning }) else {
                process.kill()
                throw TestFailure("systemd-analyze verify did not finish")
            }
            return (process.exitStatus ?? -1, process.log)
        }
    }

    @Test(.enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed (Debian package systemd)"))
    func theUnitsPassSystemdAnalyzeVerify() async throws {
        // A control first: where verify cannot check anything (some containers), say so and stop.
        let control = try await Self.verify(binary: "/nonexistent/punctual")
        guard control.status != 0 else {
            print("skipped: systemd-analyze verify cannot run here (it accepted a missing binary): \(control.output)")
            return
        }
        let result = try await Self.verify(binary: builtProduct("punctual"))
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.isEmpty, "no warnings either: \(result.output)")
    }

    @Test func theSocketUnitHandsNginxAGroupOnlySocket() throws {
        let socket = try Self.unit("punctual.socket")
        for line in [
            "ListenStream=/run/punctual/punctual.sock", "SocketGroup=www-data", "SocketMode=0660", "Accept=no",
        ] {
            #expect(socket.contains("\n" + line + "\n"), "\(line)")
        }
    }

    @Test func theServiceRunsUnsupervisedRestartsAlwaysAndIsHardened() throws {
        let service = try Self.unit("punctual.service")
        #expect(service.contains("ExecStart=/usr/local/bin/punctual --no-supervise --cache-file ${STATE_DIRECTORY}/"))
        for line in [
            "Restart=always", "DynamicUser=yes", "StateDirectory=punctual", "NoNewPrivileges=yes",
            "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "ProtectKernelTunables=yes",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SystemCallFilter=@system-service",
            "MemoryDenyWriteExecute=yes", "LockPersonality=yes", "CapabilityBoundingSet=",
        ] {
            #expect(service.contains("\n" + line + "\n"), "\(line)")
        }
        let stop = service.split(separator: "\n").first { $0.hasPrefix("TimeoutStopSec=") }
        let seconds = stop.flatMap { Int($0.dropFirst("TimeoutStopSec=".count)) } ?? 0
        #expect(seconds > 5 + 5, "above the deadline (--timeout 5) plus the 5 s drain margin")
    }
}
