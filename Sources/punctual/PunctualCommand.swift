import ArgumentParser
import FastCGI
import Logging
import PunctualApp
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
        if let listen, ListenAddress(hostAndPort: listen) == nil {
            throw ValidationError("--listen takes HOST:PORT, such as 127.0.0.1:9000 or [::1]:9000.")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "punctual")
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
            delay: .seconds(delay),
            delayJitter: .seconds(delayJitter)
        )
        let application: Application
        do {
            application = try Application(configuration: configuration, logger: logger)
        } catch {
            if case .inherited = configuration.address {
                throw ValidationError(
                    "No socket to serve: give --socket PATH, or --listen HOST:PORT, or start me with a listening socket on fd 0 (spawn-fcgi, systemd StandardInput=socket)."
                )
            }
            logger.critical("cannot start: \(error)")
            throw ExitCode(71)  // EX_OSERR
        }
        try await application.run()
    }

    private var address: ListenAddress {
        if let socket {
            return .unixSocket(path: socket, mode: UInt32(socketMode, radix: 8) ?? 0o660)
        }
        if let listen, let address = ListenAddress(hostAndPort: listen) {
            return address
        }
        return .inherited(descriptor: 0)
    }
}
