import FastCGI
import Retrieval

/// Everything `punctual` is started with, whatever parsed it.
public struct AppConfiguration: Sendable {
    /// Where nginx reaches the responder.
    public var address: ListenAddress
    /// Deadlines, coalescing, refresh, back-off, staleness and cache size.
    public var policy: RetrievalPolicy
    /// Where values come from.
    public var source: SourceConfiguration
    /// The largest value a command or HTTP source may deliver.
    public var maxValueBytes: Int
    /// Which keys requests may ask for.
    public var keys: KeyRule
    /// The SQLite file that keeps the last good values across restarts; nil keeps them in memory only.
    public var cacheFile: String?
    /// The largest request body read (and ignored); beyond it the answer is a JSON 413.
    public var maxBodyBytes: Int
    /// The most bytes of CGI parameters accepted; beyond it the answer is a JSON 431.
    public var maxParamsBytes: Int
    /// I/O threads, each with its own epoll, connections, executor and timers.
    public var ioThreads: Int
    /// The longest deadline a caller's `Prefer: wait` may ask for.
    public var maxClientWait: Duration?

    public init(
        address: ListenAddress,
        policy: RetrievalPolicy = RetrievalPolicy(),
        source: SourceConfiguration = .simulated(delay: .seconds(10), jitter: .zero),
        maxValueBytes: Int = 1 << 20,
        keys: KeyRule = .any,
        cacheFile: String? = nil,
        maxBodyBytes: Int = 1 << 20,
        maxParamsBytes: Int = 1 << 20,
        ioThreads: Int = 1,
        maxClientWait: Duration? = nil
    ) {
        self.address = address
        self.policy = policy
        self.source = source
        self.maxValueBytes = maxValueBytes
        self.keys = keys
        self.cacheFile = cacheFile
        self.maxBodyBytes = maxBodyBytes
        self.maxParamsBytes = maxParamsBytes
        self.ioThreads = ioThreads
        self.maxClientWait = maxClientWait
    }
}
