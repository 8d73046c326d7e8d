import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import PunctualJSON
import Retrieval
import ServiceLifecycle
import Synchronization

/// A source that GETs a URL per key (`--source http --url URL`): a 2xx body that is one
/// JSON value, up to `maxValueBytes`, is the value; anything else is a failure.
///
/// Every `{key}` in the URL is replaced by the key, percent-encoded (see `URLTemplate`).
/// One AsyncHTTPClient client serves every retrieval, on SwiftNIO's shared event loops,
/// so `retrieve` never blocks its thread (it may be the FastCGI server's I/O thread).
///
/// The client's limits: at most `maxConnectionsPerHost` connections per host (64 by
/// default, like `--max-retrievals`; more requests wait for one), idle ones kept 60 s; a
/// connection must be made within 5 s (`connectTimeout`), and one that is refused or fails
/// fails the retrieval at once, without retrying (the next retrieval tries again); at most
/// 3 redirects are followed; each GET, its whole body included, must end within
/// `requestTimeout`. Cancelling the retrieval (its deadline, its budget, shutdown) cancels
/// the request at once and closes its connection, and so does a body over the cap.
///
/// As a `Service` it holds the client: `run()` waits for graceful shutdown, then shuts
/// the client down. List it before the server in the `ServiceGroup`, which shuts
/// services down in reverse order, so that the answers in flight finish first.
///
/// ```swift
/// let source = try HTTPSource(
///     urlTemplate: "https://api.example.com/quotes/{key}", requestTimeout: .seconds(30), logger: logger)
/// let value = try await source.retrieve("EUR/USD")  // GET /quotes/EUR%2FUSD
/// ```
public final class HTTPSource: RetrievalSource, Service {
    /// How long connecting may take before the retrieval fails.
    public static let connectTimeout: Duration = .seconds(5)
    /// How many redirects a GET follows before it fails.
    public static let maximumRedirects = 3

    public let urlTemplate: URLTemplate
    public let maxValueBytes: Int
    public let requestTimeout: Duration
    private let client: HTTPClient
    private let logger: Logger
    /// Whether `shutdown()` has begun: the client is shut down once, whoever asks first.
    private let shutdownStarted = Mutex(false)

    /// Checks `urlTemplate` (see `URLTemplate.init`) and creates the client.
    ///
    /// - Throws: `URLTemplate.Invalid` when the URL is not `http://` or `https://` with a
    ///   host, or does not parse once `{key}` is replaced.
    public init(
        urlTemplate: String,
        maxValueBytes: Int = 1 << 20,
        requestTimeout: Duration,
        maxConnectionsPerHost: Int = 64,
        logger: Logger
    ) throws(URLTemplate.Invalid) {
        self.urlTemplate = try URLTemplate(urlTemplate)
        self.maxValueBytes = max(0, maxValueBytes)
        self.requestTimeout = requestTimeout
        self.logger = logger
        var pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, maxConnectionsPerHost)
        )
        // Fail at once when the upstream is down: the engine then serves the last good
        // value, instead of holding a retrieval slot through connect retries.
        pool.retryConnectionEstablishment = false
        client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .follow(max: Self.maximumRedirects, allowCycles: false),
                timeout: .init(connect: TimeAmount(Self.connectTimeout)),
                connectionPool: pool
            ),
            backgroundActivityLogger: logger
        )
    }

    /// Checks a `--url` without creating a client, for the app's option validation.
    public static func validate(urlTemplate: String) throws(URLTemplate.Invalid) {
        _ = try URLTemplate(urlTemplate)
    }

    deinit {
        // A source that was never run or shut down still releases its connections.
        if !shutdownStarted.withLock({ $0 }) {
            client.shutdown { _ in }
        }
    }

    /// GETs the URL for `key` and returns its body as a JSON value.
    ///
    /// - Throws: `Failure` for a non-2xx status, a body over `maxValueBytes` or not JSON,
    ///   a connect or read error or the request time-out; `CancellationError` when the
    ///   calling task is cancelled (the request is then aborted and its connection closed).
    public func retrieve(_ key: String) async throws -> JSONFragment {
        let url = urlTemplate.url(for: key)
        do {
            return try await withThrowingTaskGroup(of: JSONFragment.self) { group in
                group.addTask { try await self.get(url) }
                group.addTask {
                    try await Task.sleep(for: self.requestTimeout)
                    throw Failure.timedOut(self.requestTimeout)
                }
                defer { group.cancelAll() }
                guard let value = try await group.next() else { throw CancellationError() }
                return value
            }
        } catch {
            if Task.isCancelled { throw CancellationError() }
            let failure = Failure(error, target: urlTemplate.target, timeout: requestTimeout)
            logger.debug("HTTP retrieval failed", metadata: ["url": "\(url)", "error": "\(failure)"])
            throw failure
        }
    }

    /// One GET: the head within the request time-out, then the body up to the cap.
    private func get(_ url: String) async throws -> JSONFragment {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await client.execute(request, timeout: TimeAmount(requestTimeout), logger: logger)
        guard (200..<300).contains(response.status.code) else {
            // Dropping the unread body cancels the request and closes its connection.
            throw Failure.status(Int(response.status.code))
        }
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: maxValueBytes)
        } catch is NIOTooManyBytesError {
            throw Failure.bodyTooLarge(limit: maxValueBytes)
        }
        do {
            return try JSONFragment(validating: body.readableBytesView)
        } catch {
            throw Failure.notJSON(error)
        }
    }

    /// Waits for graceful shutdown (or cancellation), then shuts the client down.
    public func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    /// Shuts the client down, once: later calls (and `run()` after one) return at once.
    /// Retrievals under way fail, and later ones fail with `Failure.shutDown`.
    public func shutdown() async throws {
        let first = shutdownStarted.withLock { started in
            defer { started = true }
            return !started
        }
        guard first else { return }
        try await client.shutdown()
    }
}
