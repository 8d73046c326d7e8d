import FastCGI
import Logging
import Retrieval
import ServiceLifecycle
import UnixSignals

/// The running responder: its services, ready for a `ServiceGroup`.
public struct Application: Sendable {
    public let server: FastCGIServer
    public let logger: Logger

    /// Builds every part from `configuration` and opens the socket, so that a bad
    /// address fails here, before anything runs.
    public init(configuration: AppConfiguration, logger: Logger) throws(SystemError) {
        let clock = ContinuousClock()
        let timers = Timers(clock: clock)
        let source = SimulatedSource(delay: configuration.delay, timers: timers)
        let retriever = DeadlineRetriever(
            timeout: configuration.timeout,
            seed: JSONFragment(number: Double.random(in: 0..<1)),
            clock: clock,
            timers: timers,
            source: source.retrieve
        )
        let endpoint = RetrieveDataEndpoint(retriever: retriever, logger: logger)
        let router = Router(retrieveData: endpoint.answer)
        server = try FastCGIServer(configuration: .init(address: configuration.address), logger: logger) { request in
            await router.respond(to: request)
        }
        self.logger = logger
        if case .tcp = configuration.address, !server.isLocalOnly {
            logger.warning("listening on \(configuration.address), beyond loopback: FastCGI has no authentication, so firewall it to the web server")
        }
        logger.info("punctual listening on \(configuration.address); deadline \(configuration.timeout), simulated retrieval \(configuration.delay)")
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, answers what is in flight
    /// and removes the socket.
    public func run() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
