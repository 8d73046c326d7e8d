import Testing

@testable import PunctualApp

/// A bad value is refused at start, never clamped, with a message that names the option
/// and where it was given.
@Suite struct SettingsRefusalTests {
    private func refusal(
        _ commandLine: [String: [String]] = [:],
        environment: [String: String] = [:],
        file: String? = nil
    ) -> SettingError? {
        do {
            let config = try file.map { try ConfigFile(path: "/etc/punctual.conf", contents: $0) }
            _ = try PunctualSettings(
                resolving: SettingLayers(commandLine: commandLine, environment: environment, file: config)
            )
            return nil
        } catch let error as SettingError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    /// Each bad value, given on the command line, and the message it gets.
    static let commandLineRefusals: [(String, String, String)] = [
        ("timeout", "0", "--timeout 0: must be a positive number of seconds"),
        ("timeout", "-1", "--timeout -1: must be a positive number of seconds"),
        ("timeout", "soon", "--timeout soon: not a number of seconds"),
        ("timeout", "inf", "--timeout inf: not a number of seconds"),
        ("on-timeout", "wait", "--on-timeout wait: must be cancel or refresh"),
        ("max-retrieval", "0", "--max-retrieval 0: must be a positive number of seconds"),
        ("max-retrievals", "0", "--max-retrievals 0: must be at least 1"),
        ("max-retrievals", "many", "--max-retrievals many: not a whole number"),
        ("retry-after", "-1", "--retry-after -1: must be zero or a positive number of seconds"),
        ("max-stale", "-5", "--max-stale -5: must be zero or a positive number of seconds"),
        ("cache-entries", "0", "--cache-entries 0: must be at least 1"),
        ("source", "ftp", "--source ftp: must be simulated, command or http"),
        ("max-value-bytes", "0", "--max-value-bytes 0: must be at least 1"),
        ("max-body-bytes", "-1", "--max-body-bytes -1: must be at least 0"),
        ("max-body-bytes", "2000000000", "--max-body-bytes 2000000000: must be at most 1073741824"),
        ("max-params-bytes", "10", "--max-params-bytes 10: must be at least 1024"),
        ("cache-file", "", "--cache-file : needs a path"),
        ("delay", "-1", "--delay -1: must be zero or a positive number of seconds"),
        ("delay-jitter", "x", "--delay-jitter x: not a number of seconds"),
        ("log-level", "loud", "--log-level loud: must be trace, debug, info, notice, warning, error or critical"),
        ("log-format", "xml", "--log-format xml: must be logfmt or json"),
        ("listen", "9000", "--listen 9000: takes HOST:PORT, such as 127.0.0.1:9000 or [::1]:9000"),
        ("command", "/bin/true", "--command /bin/true: used only with --source command"),
        ("url", "http://x/", "--url http://x/: used only with --source http"),
    ]

    @Test(arguments: commandLineRefusals)
    func aBadValueOnTheCommandLineIsRefusedByName(name: String, text: String, message: String) {
        let error = refusal([name: [text]])
        #expect(error?.description == message)
        #expect(error?.origin == .commandLine)
    }

    @Test func aBadValueInTheEnvironmentNamesTheVariable() {
        let error = refusal(environment: ["PUNCTUAL_TIMEOUT": "-1"])
        #expect(
            error?.description == "PUNCTUAL_TIMEOUT=-1 (environment, --timeout): must be a positive number of seconds"
        )
        #expect(error?.origin == .environment(variable: "PUNCTUAL_TIMEOUT"))
    }

    @Test func aBadValueInTheFileNamesTheFileAndLine() {
        let error = refusal(file: "# comment\n\ntimeout = 2\nmax-stale = soon\n")
        #expect(
            error?.description
                == "max-stale = soon (/etc/punctual.conf:4, --max-stale): not a number of seconds"
        )
    }

    @Test func aBadValueIsRefusedEvenWhenAHigherLayerOverridesIt() {
        // Only the winning value is read: an overridden one is not checked, as with flags.
        #expect(refusal(["timeout": ["2"]], file: "timeout = -1") == nil)
    }

    @Test func theFileRefusesUnknownNamesBrokenLinesAndRepeats() {
        #expect(refusal(file: "timeoutt = 2")?.description == "/etc/punctual.conf:1: unknown option `timeoutt`")
        #expect(
            refusal(file: "timeout 2")?.description
                == "/etc/punctual.conf:1: expected `name = value`, found `timeout 2`"
        )
        #expect(
            refusal(file: "timeout = 2\ntimeout = 3")?.description
                == "/etc/punctual.conf:2: `timeout` was already given on line 1"
        )
    }

    @Test func socketAndListenInOneLayerAreRefused() {
        #expect(
            refusal(["socket": ["/a.sock"], "listen": ["127.0.0.1:9000"]])?.description
                == "give --socket /a.sock or --listen 127.0.0.1:9000, not both"
        )
        #expect(
            refusal(environment: ["PUNCTUAL_SOCKET": "/a.sock", "PUNCTUAL_LISTEN": "127.0.0.1:9000"])?.origin
                == .environment(variable: "PUNCTUAL_SOCKET")
        )
    }

    @Test func aSourceWithoutWhatItNeedsIsRefused() {
        #expect(refusal(["source": ["command"]])?.description == "--source command needs --command PATH")
        #expect(
            refusal(environment: ["PUNCTUAL_SOURCE": "http"])?.description
                == "PUNCTUAL_SOURCE=http (environment, --source) needs --url URL"
        )
    }

    @Test func aBadSocketModeOrSwitchIsRefused() {
        #expect(
            refusal(["socket": ["/a.sock"], "socket-mode": ["999"]])?.description
                == "--socket-mode 999: must be octal permission bits such as 660"
        )
        #expect(
            refusal(environment: ["PUNCTUAL_NO_SUPERVISE": "maybe"])?.description
                == "PUNCTUAL_NO_SUPERVISE=maybe (environment, --no-supervise): must be true or false"
        )
    }

    @Test func aKeyPatternThatDoesNotCompileIsRefused() {
        let error = refusal(file: "keys = ([unclosed")
        #expect(error?.description.hasPrefix("keys = ([unclosed (/etc/punctual.conf:1, --keys): ") == true)
    }

    @Test func aMissingConfigFileIsRefused() {
        #expect(throws: SettingError.self) {
            try ConfigFile.load(path: "/nonexistent/punctual.conf", origin: .commandLine)
        }
        do {
            _ = try ConfigFile.load(
                path: "/nonexistent/punctual.conf",
                origin: .environment(variable: "PUNCTUAL_CONFIG")
            )
        } catch {
            #expect(
                error.description
                    == "PUNCTUAL_CONFIG=/nonexistent/punctual.conf (environment, --config): cannot read it: No such file or directory"
            )
        }
    }
}
