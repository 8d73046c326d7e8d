import FastCGI
import Logging
import PunctualJSON
import PunctualSources
import Retrieval
import ServiceLifecycle
import UnixSignals

/// The running responder: its services, ready for a `ServiceGroup`.
public struct Application: Sendable {
    public let server: FastCGIServer
    public let logger: Logger
    /// How long a graceful shutdown may take before the requests still in flight are
    /// cancelled: they all end by their deadline, so the deadline plus a margin.
    let maximumDrain: Duration

    /// Builds every part from `configuration` and opens the socket, so that a bad
    /// address fails here, before anything runs.
    public init(configuration: AppConfiguration, logger: Logger) throws(SystemError) {
        let clock = ContinuousClock()
        let timers = Timers(clock: clock)
        let source = SimulatedSource(delay: configuration.delay, jitter: configuration.delayJitter, timers: timers)
        server = try FastCGIServer(configuration: .init(address: configuration.address), logger: logger) { ioExecutor in
            // Retrievals run on the server's I/O thread, like the requests that wait for them.
            let engine = RetrievalEngine(
                policy: configuration.policy,
                clock: clock,
                timers: timers,
                taskExecutor: ioExecutor,
                source: source.retrieve
            )
            // The recipe's cache starts with a value, so every request gets a number.
            engine.seed(JSONFragment(number: Double.random(in: 0..<1)), for: RetrievalKey.defaultKey)
            let router = Router(retrieveData: RetrieveDataEndpoint(engine: engine, logger: logger).answer)
            return { request in await router.respond(to: request) }
        }
        self.logger = logger
        maximumDrain = configuration.policy.timeout + .seconds(5)
        if case .tcp = configuration.address, !server.isLocalOnly {
            logger.warning(
                "listening on \(configuration.address), beyond loopback: FastCGI has no authentication, so firewall it to the web server"
            )
        }
        let policy = configuration.policy
        logger.info(
            "punctual listening on \(configuration.address)",
            metadata: [
                "timeout": "\(policy.timeout)", "on-timeout": "\(policy.onTimeout.rawValue)",
                "max-retrieval": "\(policy.maxRetrieval)", "max-retrievals": "\(policy.maxConcurrentRetrievals)",
                "retry-after": "\(policy.retryAfter)", "max-stale": "\(policy.maxStale.map { "\($0)" } ?? "unlimited")",
                "cache-entries": "\(policy.cacheEntries)",
                "delay": "\(configuration.delay)", "delay-jitter": "\(configuration.delayJitter)",
            ]
        )
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, answers what is in flight
    /// (cancelling whatever is still running after `maximumDrain`) and removes the socket.
    public func run() async throws {
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: server)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = maximumDrain
        try await ServiceGroup(configuration: configuration).run()
    }
}
