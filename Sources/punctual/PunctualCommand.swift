import ArgumentParser
import FastCGI
import Logging
import PunctualApp
import PunctualSupervisor

#if canImport(Glibc)
import Glibc
#endif

/// `punctual`: read the options, build the application, run it.
///
/// Every option can also come from the environment (`PUNCTUAL_TIMEOUT`, …) or a
/// `--config` file: `PunctualSettings` resolves the three, flags first. Here every option
/// is taken as text, so that a bad value is refused in one wording wherever it was given.
@main
struct PunctualCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "punctual",
        abstract:
            "A FastCGI responder that answers /retrieve-data by its deadline, with the last good value if the retrieval is late.",
        discussion: """
            Listens on one of: --socket PATH (a Unix socket it creates), --listen HOST:PORT (TCP), \
            or, with neither, the listening socket inherited on fd 0 (spawn-fcgi, systemd StandardInput=socket).

            Every option can also be set in the environment (PUNCTUAL_TIMEOUT=2, PUNCTUAL_ON_TIMEOUT=refresh, \
            PUNCTUAL_ARGS for --arg) or in a --config file (lines such as `timeout = 2`). \
            Precedence: command line, then environment, then file, then the defaults shown here.
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A file of `option = value` lines (also PUNCTUAL_CONFIG); the command line and the environment override it.",
            valueName: "path"
        )
    )
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Create and listen on a Unix socket at this path.", valueName: "path"))
    var socket: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Permission bits of the Unix socket, in octal. (default: 660)", valueName: "octal")
    )
    var socketMode: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Listen on TCP instead, e.g. 127.0.0.1:9000 or [::1]:9000.", valueName: "host:port")
    )
    var listen: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds a request waits for a fresh value before the cached one is served. (default: 5)",
            valueName: "seconds"
        )
    )
    var timeout: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "At the deadline: cancel the retrieval once nobody waits (cancel), or let it finish and refresh the cache (refresh). (default: cancel)",
            valueName: "policy"
        )
    )
    var onTimeout: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds after which a retrieval is cancelled, whatever the policy. (default: 60)",
            valueName: "seconds"
        )
    )
    var maxRetrieval: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Most retrievals running at once; beyond it, answers come from the cache at once. (default: 64)",
            valueName: "count"
        )
    )
    var maxRetrievals: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds a key is answered from the cache after a failed retrieval before the next one starts. (default: 1)",
            valueName: "seconds"
        )
    )
    var retryAfter: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Oldest cached value served, in seconds; older ones give 504/502 instead. (default: unlimited)",
            valueName: "seconds"
        )
    )
    var maxStale: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Keys the cache holds; the least recently used are evicted. (default: 10000)",
            valueName: "count"
        )
    )
    var cacheEntries: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where values come from: simulated, command or http. (default: simulated)",
            valueName: "kind"
        )
    )
    var source: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --source command: the program to run per retrieval (directly, never through a shell).",
            valueName: "path"
        )
    )
    var command: String?

    @Option(
        name: .customLong("arg"),
        parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "An argument for --command; repeat it for several. An argument that is exactly {key} becomes the key.",
            valueName: "argument"
        )
    )
    var arguments: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --source http: the URL to GET, {key} replaced by the percent-encoded key.",
            valueName: "url"
        )
    )
    var url: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The largest value a command or HTTP source may deliver, in bytes. (default: 1048576)",
            valueName: "bytes"
        )
    )
    var maxValueBytes: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Which ?key= values are accepted: any, none (only the default key), or a regular expression keys must match whole. (default: any)",
            valueName: "rule"
        )
    )
    var keys: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "An SQLite file that keeps the last good values across restarts (created if missing).",
            valueName: "path"
        )
    )
    var cacheFile: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Seconds the simulated retrieval takes. (default: 10)", valueName: "seconds")
    )
    var delay: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Adds a uniformly random share of this many seconds to each simulated retrieval. (default: 0)",
            valueName: "seconds"
        )
    )
    var delayJitter: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The largest request body read and ignored; beyond it the answer is a JSON 413. (default: 1048576, nginx's client_max_body_size)",
            valueName: "bytes"
        )
    )
    var maxBodyBytes: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The most bytes of CGI parameters (headers, cookies) accepted; beyond it the answer is a JSON 431. (default: 1048576)",
            valueName: "bytes"
        )
    )
    var maxParamsBytes: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The longest deadline a request's Prefer: wait=N may ask for, in seconds. (default: --timeout)",
            valueName: "seconds"
        )
    )
    var maxClientWait: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds a value is fresh: younger, it is answered at once as a hit, without a retrieval. (default: 0)",
            valueName: "seconds"
        )
    )
    var freshFor: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The share of --fresh-for after which a hit also starts one background refresh. (default: 0.8)",
            valueName: "fraction"
        )
    )
    var refreshAhead: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "I/O threads, each with its own connections, retrievals and deadlines. (default: the cores this process may run on)",
            valueName: "count"
        )
    )
    var ioThreads: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Log level: trace, debug, info, notice, warning, error or critical. (default: info)",
            valueName: "level"
        )
    )
    var logLevel: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Log lines as logfmt or json, to stderr. (default: logfmt)", valueName: "format")
    )
    var logFormat: String?

    @Flag(
        name: .long,
        help: "Serve in this process alone, without a supervising parent (for systemd, which supervises itself)."
    )
    var noSupervise = false

    // Supervision: see PunctualCommand+Supervision.swift.
    @Option(name: .customLong("worker-of"), help: .hidden)
    var workerOf: Int32?

    @Flag(name: .customLong("enable-test-crash"), help: .hidden)
    var enableTestCrash = false

    /// The options given on the command line, by long name, as text.
    private var commandLine: [String: [String]] {
        let single: [(String, String?)] = [
            ("socket", socket), ("socket-mode", socketMode), ("listen", listen), ("timeout", timeout),
            ("on-timeout", onTimeout), ("max-retrieval", maxRetrieval), ("max-retrievals", maxRetrievals),
            ("retry-after", retryAfter), ("max-stale", maxStale), ("cache-entries", cacheEntries),
            ("source", source), ("command", command), ("url", url), ("max-value-bytes", maxValueBytes),
            ("keys", keys), ("cache-file", cacheFile), ("delay", delay), ("delay-jitter", delayJitter),
            ("max-body-bytes", maxBodyBytes), ("max-params-bytes", maxParamsBytes), ("log-level", logLevel),
            ("log-format", logFormat), ("io-threads", ioThreads),
            ("max-client-wait", maxClientWait), ("fresh-for", freshFor), ("refresh-ahead", refreshAhead),
        ]
        var given: [String: [String]] = [:]
        for case let (name, text?) in single { given[name] = [text] }
        if !arguments.isEmpty { given["arg"] = arguments }
        if noSupervise { given["no-supervise"] = ["true"] }
        return given
    }

    func run() async throws {
        let settings = try Self.resolve(commandLine: commandLine, config: config)
        let role = ProcessRole(workerOf: workerOf, supervise: settings.supervise)
        LoggingSystem.bootstrap { label in
            StructuredLogHandler(
                label: label,
                format: settings.logFormat,
                level: settings.logLevel,
                role: role.logMetadata["role"].map { "\($0)" }
            )
        }
        let logger = Logger(label: "punctual")
        guard role != .supervisor else { return try await supervise(settings, logger: logger) }
        var configuration = settings.app
        configuration.address = try listenAddress(for: role, requested: configuration.address, logger: logger)
        let application: Application
        do {
            application = try await Application(configuration: configuration, logger: logger)
        } catch let error as StartupError {
            logger.critical("cannot start: \(error)")
            throw ExitCode(78)  // EX_CONFIG
        } catch {
            if case .inherited = configuration.address, role == .alone {
                throw ValidationError(Self.noSocketMessage)
            }
            logger.critical("cannot start: \(error)")
            throw ExitCode(71)  // EX_OSERR
        }
        try await application.run()
    }

    /// The settings from the command line, the environment and the config file. A bad
    /// command-line value is a usage error (exit 64, with the usage); one from the
    /// environment or the file is a configuration error (exit 78, EX_CONFIG).
    private static func resolve(commandLine: [String: [String]], config: String?) throws -> PunctualSettings {
        let environment = currentEnvironment()
        do throws(SettingError) {
            var file: ConfigFile?
            if let (path, origin) = SettingLayers.configPath(commandLine: config, environment: environment) {
                file = try ConfigFile.load(path: path, origin: origin)
            }
            return try PunctualSettings(
                resolving: SettingLayers(commandLine: commandLine, environment: environment, file: file)
            )
        } catch {
            if error.origin == .commandLine { throw ValidationError(error.description) }
            var message = "Error: \(error.description)\n"
            _ = message.withUTF8 { write(2, $0.baseAddress, $0.count) }
            throw ExitCode(78)
        }
    }

    /// The process's environment, as `environ` holds it.
    private static func currentEnvironment() -> [String: String] {
        var environment: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return environment
    }
}
