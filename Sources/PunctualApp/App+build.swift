import FastCGI
import Logging
import PunctualHTTPSource
import PunctualJSON
import PunctualSources
import PunctualStore
import Retrieval
import ServiceLifecycle
import UnixSignals

/// The running responder: its services, ready for a `ServiceGroup`.
///
/// Everything is built here, in dependency order: the store (and the last good values it
/// kept), the source and any client it needs, the engine, the routes, and last the FastCGI
/// server around the router. The services run under one `ServiceGroup`, which shuts them
/// down in reverse order: the server first (it answers what is in flight), then the
/// source's client, then the store (which commits what the last answers brought).
public struct Application: Sendable {
    public let server: FastCGIServer
    public let logger: Logger
    /// Started in this order, shut down in the reverse one.
    let services: [any Service]
    /// How long a graceful shutdown may take before the requests still in flight are
    /// cancelled: they all end by their deadline, so the deadline plus a margin.
    let maximumDrain: Duration

    /// Builds every part from `configuration` and opens the socket, so that a bad
    /// address, command, URL or cache file fails here, before anything runs.
    public init(configuration: AppConfiguration, logger: Logger) async throws {
        let clock = ContinuousClock()
        // Retrievals run on the server's I/O thread, like the requests that wait for them,
        // and their deadlines fire from its wait.
        var executors: [FastCGIExecutor] = []
        for _ in 0..<max(1, configuration.ioThreads) { executors.append(try FastCGIExecutor()) }
        let placements = executors.map { executor in
            CallerPlacement(timers: TimersOnTheIOThread.make(clock: clock, executor: executor), taskExecutor: executor)
        }
        let executor = executors[0]
        let timers = placements[0].timers
        var services: [any Service] = []
        let store = try await Self.openStore(configuration, logger: logger)
        if let store { services.append(store) }
        let restored = try await store?.loadAll() ?? []
        // The file keeps what the cache may hold, not every key ever asked for.
        _ = try await store?.prune(keepingNewest: configuration.policy.cacheEntries, pinned: [RetrievalKey.defaultKey])
        let placementOfTheCaller = Self.placementOfTheCallersThread(placements)
        let observer = RequestObserver()
        let source = TimedSource(
            source: try Self.makeSource(
                configuration,
                timers: { placementOfTheCaller()?.timers ?? timers },
                logger: logger,
                services: &services
            ),
            metrics: observer.metrics
        )
        let engine = RetrievalEngine(
            policy: configuration.policy,
            clock: clock,
            timers: timers,
            taskExecutor: executor,
            callerPlacement: placementOfTheCaller,
            // The recipe's value is never evicted, whatever keys clients ask for.
            pinnedKeys: [RetrievalKey.defaultKey],
            store: store,
            source: source
        )
        Self.fill(engine, restoring: restored, store: store, logger: logger)
        let endpoint = RetrieveDataEndpoint(
            engine: engine,
            keys: configuration.keys,
            observer: observer,
            logger: logger,
            maxClientWait: configuration.maxClientWait
        )
        let serverStatistics = ServerStatistics()
        var status = StatusSources(
            process: .current(),
            counts: observer.counts,
            server: serverStatistics,
            retrievals: { (engine.figures, engine.statistics) },
            store: store
        )
        status.recent = observer.recent
        status.latency = observer.latency
        status.valueAge = { engine.cached($0)?.age }
        let router = Router(
            routes: [
                Route("/retrieve-data", get: endpoint.answer),
                Route("/status", get: StatusEndpoint(sources: status).answer),
                Route("/status.html", get: StatusPage(sources: status).answer),
                Route("/metrics", get: MetricsEndpoint(metrics: observer.metrics, sources: status).answer),
            ],
            observer: observer,
            logger: logger
        )
        var serverConfiguration = FastCGIServer.Configuration(address: configuration.address)
        serverConfiguration.maxBodyBytes = configuration.maxBodyBytes
        serverConfiguration.maxParamsBytes = configuration.maxParamsBytes
        server = try FastCGIServer(
            configuration: serverConfiguration,
            logger: logger,
            executors: executors,
            statistics: serverStatistics
        ) { request in await router.respond(to: request) }
        services.append(server)
        self.services = services
        self.logger = logger
        maximumDrain = configuration.policy.timeout + .seconds(5)
        if case .tcp = configuration.address, !server.isLocalOnly {
            logger.warning(
                "listening on \(configuration.address), beyond loopback: FastCGI has no authentication, so firewall it to the web server"
            )
        }
        Self.logStart(configuration, restored: restored.count, logger: logger)
    }

    /// With several I/O threads, a request's deadline and the retrieval it starts stay on
    /// the request's own thread; with one, the engine's defaults are that thread's already.
    private static func placementOfTheCallersThread(
        _ placements: [CallerPlacement<ContinuousClock>]
    ) -> @Sendable () -> CallerPlacement<ContinuousClock>? {
        guard placements.count > 1 else { return { nil } }
        let byExecutor = Dictionary(
            uniqueKeysWithValues: placements.map { (ObjectIdentifier($0.taskExecutor as AnyObject), $0) }
        )
        return {
            FastCGIExecutor.current.flatMap { byExecutor[ObjectIdentifier($0)] }
        }
    }

    private static func openStore(_ configuration: AppConfiguration, logger: Logger) async throws -> SQLiteStore? {
        guard let path = configuration.cacheFile else { return nil }
        do {
            return try await SQLiteStore.open(path: path, logger: logger)
        } catch {
            throw StartupError("--cache-file: \(error)")
        }
    }

    /// Puts the stored last good values back; the recipe's random seed goes only to the
    /// default key, and only when the store had no value for it.
    private static func fill(
        _ engine: RetrievalEngine<String, JSONFragment, ContinuousClock>,
        restoring restored: [StoredValue<String, JSONFragment>],
        store: SQLiteStore?,
        logger: Logger
    ) {
        engine.restore(restored)
        if engine.cached(RetrievalKey.defaultKey) == nil {
            let seed = JSONFragment(number: Double.random(in: 0..<1))
            engine.seed(seed, for: RetrievalKey.defaultKey)
            store?.save(StoredValue(key: RetrievalKey.defaultKey, value: seed, retrievedAt: .now()))
        }
    }

    /// The source `configuration` names; one that holds a client adds it to `services`.
    private static func makeSource(
        _ configuration: AppConfiguration,
        timers: @escaping @Sendable () -> Timers<ContinuousClock>,
        logger: Logger,
        services: inout [any Service]
    ) throws -> any RetrievalSource<String, JSONFragment> {
        switch configuration.source {
        case .simulated(let delay, let jitter):
            return SimulatedSource(delay: delay, jitter: jitter, timersOfTheCaller: timers)
        case .command(let executable, let arguments):
            do {
                return try CommandSource(
                    executable: executable,
                    arguments: arguments,
                    maxValueBytes: configuration.maxValueBytes,
                    logger: logger
                )
            } catch {
                throw StartupError("--command \(executable): \(error)")
            }
        case .http(let urlTemplate):
            do {
                let source = try HTTPSource(
                    urlTemplate: urlTemplate,
                    maxValueBytes: configuration.maxValueBytes,
                    requestTimeout: configuration.policy.maxRetrieval,
                    maxConnectionsPerHost: configuration.policy.maxConcurrentRetrievals,
                    logger: logger
                )
                services.append(source)
                return source
            } catch {
                throw StartupError("--url \(urlTemplate): \(error)")
            }
        }
    }

    private static func logStart(_ configuration: AppConfiguration, restored: Int, logger: Logger) {
        let policy = configuration.policy
        logger.info(
            "punctual listening on \(configuration.address)",
            metadata: [
                "source": "\(configuration.source)",
                "timeout": "\(policy.timeout)", "on-timeout": "\(policy.onTimeout.rawValue)",
                "max-retrieval": "\(policy.maxRetrieval)", "max-retrievals": "\(policy.maxConcurrentRetrievals)",
                "retry-after": "\(policy.retryAfter)",
                "max-stale": "\(policy.maxStale.map { "\($0)" } ?? "unlimited")",
                "cache-entries": "\(policy.cacheEntries)", "keys": "\(configuration.keys)",
                "cache-file": "\(configuration.cacheFile ?? "none")", "restored": "\(restored)",
                "io-threads": "\(configuration.ioThreads)",
            ]
        )
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, answers what is in flight
    /// (cancelling whatever is still running after `maximumDrain`), removes the socket and
    /// shuts the other services down after the server.
    public func run() async throws {
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = maximumDrain
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// A start-up problem worth a clear message (a bad command, URL or cache file).
public struct StartupError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
