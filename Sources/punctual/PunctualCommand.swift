import ArgumentParser
import FastCGI
import Logging
import PunctualApp
import PunctualSupervisor
import Retrieval

#if canImport(Glibc)
import Glibc
#endif

/// `punctual`: parse the options, build the application, run it.
@main
struct PunctualCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "punctual",
        abstract:
            "A FastCGI responder that answers /retrieve-data by its deadline, with the last good value if the retrieval is late.",
        discussion: """
            Listens on one of: --socket PATH (a Unix socket it creates), --listen HOST:PORT (TCP), \
            or, with neither, the listening socket inherited on fd 0 (spawn-fcgi, systemd StandardInput=socket).
            """
    )

    @Option(name: .long, help: ArgumentHelp("Create and listen on a Unix socket at this path.", valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("Permission bits of the Unix socket, in octal.", valueName: "octal"))
    var socketMode: String = "660"

    @Option(
        name: .long,
        help: ArgumentHelp("Listen on TCP instead, e.g. 127.0.0.1:9000 or [::1]:9000.", valueName: "host:port")
    )
    var listen: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds a request waits for a fresh value before the cached one is served.",
            valueName: "seconds"
        )
    )
    var timeout: Double = 5

    @Option(
        name: .long,
        help: ArgumentHelp(
            "At the deadline: cancel the retrieval once nobody waits (cancel), or let it finish and refresh the cache (refresh).",
            valueName: "policy"
        )
    )
    var onTimeout: String = TimeoutPolicy.cancel.rawValue

    @Option(
        name: .long,
        help: ArgumentHelp("Seconds after which a retrieval is cancelled, whatever the policy.", valueName: "seconds")
    )
    var maxRetrieval: Double = 60

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Most retrievals running at once; beyond it, answers come from the cache at once.",
            valueName: "count"
        )
    )
    var maxRetrievals: Int = 64

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds a key is answered from the cache after a failed retrieval before the next one starts.",
            valueName: "seconds"
        )
    )
    var retryAfter: Double = 1

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Oldest cached value served, in seconds; older ones give 504/502 instead. (default: unlimited)",
            valueName: "seconds"
        )
    )
    var maxStale: Double?

    @Option(
        name: .long,
        help: ArgumentHelp("Keys the cache holds; the least recently used are evicted.", valueName: "count")
    )
    var cacheEntries: Int = 10_000

    @Option(
        name: .long,
        help: ArgumentHelp("Where values come from: simulated, command or http.", valueName: "kind")
    )
    var source: String = "simulated"

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
        help: ArgumentHelp("The largest value a command or HTTP source may deliver, in bytes.", valueName: "bytes")
    )
    var maxValueBytes: Int = 1 << 20

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Which ?key= values are accepted: any, none (only the default key), or a regular expression keys must match whole.",
            valueName: "rule"
        )
    )
    var keys: String = "any"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "An SQLite file that keeps the last good values across restarts (created if missing).",
            valueName: "path"
        )
    )
    var cacheFile: String?

    @Option(name: .long, help: ArgumentHelp("Seconds the simulated retrieval takes.", valueName: "seconds"))
    var delay: Double = 10

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Adds a uniformly random share of this many seconds to each simulated retrieval.",
            valueName: "seconds"
        )
    )
    var delayJitter: Double = 0

    @Option(
        name: .long,
        help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error or critical.", valueName: "level")
    )
    var logLevel: String = "info"

    // Supervision (issue 8): see PunctualCommand+Supervision.swift.
    @Flag(
        name: .long,
        help: "Serve alone in the foreground, without the supervising parent (for systemd, which supervises itself)."
    )
    var noSupervise = false

    @Option(name: .customLong("worker-of"), help: .hidden)
    var workerOf: Int32?

    @Flag(name: .customLong("enable-test-crash"), help: .hidden)
    var enableTestCrash = false

    func validate() throws {
        guard socket == nil || listen == nil else {
            throw ValidationError("Give --socket or --listen, not both.")
        }
        guard timeout.isFinite, timeout > 0 else {
            throw ValidationError("--timeout must be a positive number of seconds.")
        }
        guard delay.isFinite, delay >= 0 else {
            throw ValidationError("--delay must be zero or a positive number of seconds.")
        }
        guard delayJitter.isFinite, delayJitter >= 0 else {
            throw ValidationError("--delay-jitter must be zero or a positive number of seconds.")
        }
        guard TimeoutPolicy(rawValue: onTimeout) != nil else {
            throw ValidationError("--on-timeout must be cancel or refresh.")
        }
        guard maxRetrieval.isFinite, maxRetrieval > 0 else {
            throw ValidationError("--max-retrieval must be a positive number of seconds.")
        }
        guard maxRetrievals > 0 else { throw ValidationError("--max-retrievals must be at least 1.") }
        guard retryAfter.isFinite, retryAfter >= 0 else {
            throw ValidationError("--retry-after must be zero or a positive number of seconds.")
        }
        guard maxStale.map({ $0.isFinite && $0 >= 0 }) ?? true else {
            throw ValidationError("--max-stale must be zero or a positive number of seconds.")
        }
        guard cacheEntries > 0 else { throw ValidationError("--cache-entries must be at least 1.") }
        guard UInt32(socketMode, radix: 8).map({ $0 <= 0o777 }) == true else {
            throw ValidationError("--socket-mode must be octal permission bits such as 660.")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.")
        }
        switch source {
        case "simulated":
            break
        case "command":
            guard command != nil else { throw ValidationError("--source command needs --command PATH.") }
        case "http":
            guard url != nil else { throw ValidationError("--source http needs --url URL.") }
        default:
            throw ValidationError("--source must be simulated, command or http.")
        }
        if command != nil, source != "command" {
            throw ValidationError("--command is used only with --source command.")
        }
        if !arguments.isEmpty, command == nil {
            throw ValidationError("--arg is used only with --command.")
        }
        if url != nil, source != "http" {
            throw ValidationError("--url is used only with --source http.")
        }
        guard maxValueBytes > 0 else { throw ValidationError("--max-value-bytes must be at least 1.") }
        do {
            _ = try KeyRule(parsing: keys)
        } catch {
            throw ValidationError("--keys: \(error)")
        }
        if let cacheFile, cacheFile.isEmpty {
            throw ValidationError("--cache-file needs a path.")
        }
        if let listen, ListenAddress(hostAndPort: listen) == nil {
            throw ValidationError("--listen takes HOST:PORT, such as 127.0.0.1:9000 or [::1]:9000.")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let role = ProcessRole(workerOf: workerOf, supervise: !noSupervise)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            handler.metadata = role.logMetadata
            return handler
        }
        let logger = Logger(label: "punctual")
        guard role != .supervisor else { return try await supervise(logger: logger) }
        let address = try listenAddress(for: role, logger: logger)
        let policy = RetrievalPolicy(
            timeout: .seconds(timeout),
            onTimeout: TimeoutPolicy(rawValue: onTimeout) ?? .cancel,
            maxRetrieval: .seconds(maxRetrieval),
            maxConcurrentRetrievals: maxRetrievals,
            retryAfter: .seconds(retryAfter),
            maxStale: maxStale.map { .seconds($0) },
            cacheEntries: cacheEntries
        )
        let configuration = AppConfiguration(
            address: address,
            policy: policy,
            source: sourceConfiguration,
            maxValueBytes: maxValueBytes,
            keys: (try? KeyRule(parsing: keys)) ?? .any,
            cacheFile: cacheFile
        )
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

    private var sourceConfiguration: SourceConfiguration {
        switch source {
        case "command": .command(executable: command ?? "", arguments: arguments)
        case "http": .http(urlTemplate: url ?? "")
        default: .simulated(delay: .seconds(delay), jitter: .seconds(delayJitter))
        }
    }

    var address: ListenAddress {
        if let socket {
            return .unixSocket(path: socket, mode: UInt32(socketMode, radix: 8) ?? 0o660)
        }
        if let listen, let address = ListenAddress(hostAndPort: listen) {
            return address
        }
        return .inherited(descriptor: 0)
    }
}
