import FastCGI
import Retrieval
import Testing

@testable import PunctualApp

/// One precedence for every option: the command line over the environment over the
/// `--config` file over the defaults.
@Suite struct SettingsPrecedenceTests {
    private func settings(
        _ commandLine: [String: [String]] = [:],
        environment: [String: String] = [:],
        file: String? = nil
    ) throws -> PunctualSettings {
        let config = try file.map { try ConfigFile(path: "/etc/punctual.conf", contents: $0) }
        return try PunctualSettings(
            resolving: SettingLayers(commandLine: commandLine, environment: environment, file: config)
        )
    }

    @Test func withNothingGivenTheDefaultsAreTheRecipes() throws {
        let resolved = try settings()
        #expect(resolved.app.policy.timeout == .seconds(5))
        #expect(resolved.app.policy.onTimeout == .cancel)
        #expect(resolved.app.policy.maxStale == nil)
        #expect(resolved.app.address == .inherited(descriptor: 0))
        #expect(resolved.app.maxBodyBytes == 1 << 20)
        #expect(resolved.app.maxParamsBytes == 1 << 20)
        #expect(resolved.logFormat == .logfmt)
        #expect(resolved.supervise)
        guard case let .simulated(delay, jitter) = resolved.app.source else {
            Issue.record("the default source is the simulation")
            return
        }
        #expect(delay == .seconds(10))
        #expect(jitter == .zero)
    }

    @Test func theFileOverridesTheDefaults() throws {
        let resolved = try settings(file: "timeout = 7\non-timeout = refresh\n")
        #expect(resolved.app.policy.timeout == .seconds(7))
        #expect(resolved.app.policy.onTimeout == .refresh)
    }

    @Test func theEnvironmentOverridesTheFile() throws {
        let resolved = try settings(environment: ["PUNCTUAL_TIMEOUT": "3"], file: "timeout = 7\non-timeout = refresh")
        #expect(resolved.app.policy.timeout == .seconds(3))
        #expect(resolved.app.policy.onTimeout == .refresh, "what the environment does not give, the file still does")
    }

    @Test func theCommandLineOverridesTheEnvironment() throws {
        let resolved = try settings(
            ["timeout": ["2"]],
            environment: ["PUNCTUAL_TIMEOUT": "3", "PUNCTUAL_MAX_STALE": "60"],
            file: "timeout = 7"
        )
        #expect(resolved.app.policy.timeout == .seconds(2))
        #expect(resolved.app.policy.maxStale == .seconds(60))
    }

    @Test func anEmptyEnvironmentVariableCountsAsUnset() throws {
        let resolved = try settings(environment: ["PUNCTUAL_TIMEOUT": ""], file: "timeout = 7")
        #expect(resolved.app.policy.timeout == .seconds(7))
    }

    @Test func aRepeatableOptionComesWholeFromOneLayer() throws {
        let fromFile = try settings(file: "source = command\ncommand = /bin/report\narg = --region\narg = {key}\n")
        guard case let .command(executable, arguments) = fromFile.app.source else {
            Issue.record("the file's source is used")
            return
        }
        #expect(executable == "/bin/report")
        #expect(arguments == ["--region", "{key}"])

        let fromEnvironment = try settings(
            environment: ["PUNCTUAL_ARGS": "--quick  {key}"],
            file: "source = command\ncommand = /bin/report\narg = --region\n"
        )
        guard case let .command(_, environmentArguments) = fromEnvironment.app.source else {
            Issue.record("the file's source is used")
            return
        }
        #expect(environmentArguments == ["--quick", "{key}"], "the environment's list replaces the file's")
    }

    @Test func theHighestLayerNamingAnAddressDecidesIt() throws {
        let resolved = try settings(["socket": ["/run/p.sock"]], environment: ["PUNCTUAL_LISTEN": "127.0.0.1:9000"])
        #expect(resolved.app.address == .unixSocket(path: "/run/p.sock", mode: 0o660))
        let fromEnvironment = try settings(environment: ["PUNCTUAL_LISTEN": "127.0.0.1:9000"], file: "socket = /x")
        #expect(fromEnvironment.app.address == .tcp(host: "127.0.0.1", port: 9000))
    }

    @Test func aHigherSourceOverridesALowerOnesOptions() throws {
        let resolved = try settings(["source": ["simulated"]], file: "source = command\ncommand = /bin/report\n")
        guard case .simulated = resolved.app.source else {
            Issue.record("the command line's source wins, and the file's --command is ignored with it")
            return
        }
    }

    @Test func switchesReadTrueAndFalseOutsideTheCommandLine() throws {
        #expect(try !settings(environment: ["PUNCTUAL_NO_SUPERVISE": "true"]).supervise)
        #expect(try settings(environment: ["PUNCTUAL_NO_SUPERVISE": "0"]).supervise)
        #expect(try !settings(file: "no-supervise = yes").supervise)
        #expect(try !settings(["no-supervise": ["true"]], environment: ["PUNCTUAL_NO_SUPERVISE": "false"]).supervise)
    }

    @Test func limitsAreOptions() throws {
        let resolved = try settings(["max-body-bytes": ["0"]], environment: ["PUNCTUAL_MAX_PARAMS_BYTES": "65536"])
        #expect(resolved.app.maxBodyBytes == 0)
        #expect(resolved.app.maxParamsBytes == 65536)
    }

    @Test func everyOptionHasOneEnvironmentVariable() {
        #expect(SettingNames.environmentVariable(for: "timeout") == "PUNCTUAL_TIMEOUT")
        #expect(SettingNames.environmentVariable(for: "on-timeout") == "PUNCTUAL_ON_TIMEOUT")
        #expect(SettingNames.environmentVariable(for: "arg") == "PUNCTUAL_ARGS")
        let variables = (SettingNames.single + SettingNames.repeatable + SettingNames.flags)
            .map(SettingNames.environmentVariable(for:))
        #expect(Set(variables).count == variables.count)
    }

    @Test func theConfigPathComesFromTheCommandLineOrTheEnvironment() {
        let fromFlag = SettingLayers.configPath(commandLine: "/a.conf", environment: ["PUNCTUAL_CONFIG": "/b.conf"])
        #expect(fromFlag?.path == "/a.conf")
        let fromEnvironment = SettingLayers.configPath(commandLine: nil, environment: ["PUNCTUAL_CONFIG": "/b.conf"])
        #expect(fromEnvironment?.path == "/b.conf")
        #expect(SettingLayers.configPath(commandLine: nil, environment: [:]) == nil)
    }
}
