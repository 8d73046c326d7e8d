import Foundation
import PunctualTestSupport
import Testing

/// The real binary read from its three layers (flags over environment over file), and
/// refusing bad values with the option and the place it was given.
@Suite struct ConfigurationTests {
    /// Starts punctual with `arguments` and `environment`, waits for it to listen on its
    /// socket (or to exit), stops it, and returns its exit status and output.
    private func start(
        _ arguments: [String],
        environment: [String: String] = [:],
        in directory: String
    ) async throws -> (status: Int32?, output: String) {
        let socketPath = directory + "/p.sock"
        let process = try ChildProcess(
            builtProduct("punctual"),
            ["--socket", socketPath, "--delay", "0"] + arguments,
            logPath: directory + "/out-\(UUID().uuidString).log",
            environment: environment
        )
        defer { process.kill() }
        _ = await eventually { !process.isRunning || process.log.contains("listening on") }
        guard process.isRunning else { return (process.exitStatus, process.log) }
        let status = await process.stop()
        return (status, process.log)
    }

    /// The `timeout="…"` the start-up line reports.
    private func reportedTimeout(_ output: String) -> String? {
        guard let line = output.split(separator: "\n").first(where: { $0.contains("listening on") }),
            let range = line.range(of: #"timeout="[^"]*""#, options: .regularExpression)
        else { return nil }
        return String(line[range])
    }

    @Test func flagsOverrideTheEnvironmentWhichOverridesTheFile() async throws {
        try await withTemporaryDirectory { directory in
            let config = directory + "/punctual.conf"
            try "# test\ntimeout = 7\n".write(toFile: config, atomically: true, encoding: .utf8)

            let fromFile = try await start(["--config", config], in: directory)
            #expect(reportedTimeout(fromFile.output) == #"timeout="7.0 seconds""#, "\(fromFile.output)")

            let fromEnvironment = try await start(
                ["--config", config],
                environment: ["PUNCTUAL_TIMEOUT": "3"],
                in: directory
            )
            #expect(reportedTimeout(fromEnvironment.output) == #"timeout="3.0 seconds""#)

            let fromFlag = try await start(
                ["--timeout", "2"],
                environment: ["PUNCTUAL_TIMEOUT": "3", "PUNCTUAL_CONFIG": config],
                in: directory
            )
            #expect(reportedTimeout(fromFlag.output) == #"timeout="2.0 seconds""#)
            #expect(fromFlag.status == 0)
        }
    }

    @Test func aBadEnvironmentValueIsAConfigurationError() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await start([], environment: ["PUNCTUAL_TIMEOUT": "-1"], in: directory)
            #expect(result.status == 78, "EX_CONFIG")
            #expect(
                result.output.contains(
                    "PUNCTUAL_TIMEOUT=-1 (environment, --timeout): must be a positive number of seconds"
                ),
                "\(result.output)"
            )
        }
    }

    @Test func aBadFileLineIsAConfigurationErrorWithItsLine() async throws {
        try await withTemporaryDirectory { directory in
            let config = directory + "/punctual.conf"
            try "timeout = 2\non-timeout = later\n".write(toFile: config, atomically: true, encoding: .utf8)
            let result = try await start(["--config", config], in: directory)
            #expect(result.status == 78)
            #expect(result.output.contains("on-timeout = later (\(config):2, --on-timeout): must be cancel or refresh"))

            let missing = try await start(["--config", directory + "/nope.conf"], in: directory)
            #expect(missing.status == 64, "a --config that cannot be read is a usage error")
            #expect(missing.output.contains("cannot read it"))
        }
    }

    @Test func aBadFlagIsAUsageError() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await start(["--max-retrievals", "0"], in: directory)
            #expect(result.status == 64, "EX_USAGE")
            #expect(result.output.contains("--max-retrievals 0: must be at least 1"), "\(result.output)")
        }
    }

    @Test func jsonLogsAreOneObjectPerLineWithThePid() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await start(["--log-format", "json"], in: directory)
            let lines = result.output.split(separator: "\n")
            #expect(!lines.isEmpty)
            for line in lines {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["pid"] as? String != nil, "\(line)")
                #expect(object?["level"] as? String != nil)
                #expect(object?["time"] as? String != nil)
            }
        }
    }
}
