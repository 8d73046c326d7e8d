import FastCGI
import Logging
import Retrieval

/// Everything `punctual` runs with, resolved from the command line, the environment and
/// the `--config` file (in that precedence) over the defaults, and checked.
///
/// Parsing lives here rather than in the command, so the three layers share one set of
/// names, one parser per type and one wording of every refusal, and tests can call it.
public struct PunctualSettings: Sendable {
    public var app: AppConfiguration
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    /// Whether a supervising parent holds the socket and restarts the serving process.
    public var supervise: Bool

    /// Resolves and checks every option; the first bad one is refused.
    public init(resolving layers: SettingLayers) throws(SettingError) {
        let read = SettingReader(layers: layers)
        let policy = RetrievalPolicy(
            timeout: .seconds(try read.seconds("timeout", default: 5)),
            onTimeout: TimeoutPolicy(
                rawValue: try read.choice("on-timeout", default: "cancel", of: ["cancel", "refresh"])
            ) ?? .cancel,
            maxRetrieval: .seconds(try read.seconds("max-retrieval", default: 60)),
            maxConcurrentRetrievals: try read.count("max-retrievals", default: 64),
            retryAfter: .seconds(try read.seconds("retry-after", default: 1, allowingZero: true)),
            maxStale: try Self.maxStale(read),
            cacheEntries: try read.count("cache-entries", default: 10_000),
            freshFor: .seconds(try read.seconds("fresh-for", default: 0, allowingZero: true)),
            refreshAhead: try Self.refreshAhead(read)
        )
        app = AppConfiguration(
            address: try Self.address(read),
            policy: policy,
            source: try Self.source(read),
            maxValueBytes: try read.count("max-value-bytes", default: 1 << 20, maximum: 1 << 30),
            keys: try Self.keys(read),
            cacheFile: try Self.cacheFile(read),
            maxBodyBytes: try read.count("max-body-bytes", default: 1 << 20, minimum: 0, maximum: 1 << 30),
            maxParamsBytes: try read.count("max-params-bytes", default: 1 << 20, minimum: 1024, maximum: 1 << 30),
            ioThreads: try read.count("io-threads", default: AvailableCores.count, maximum: 256),
            maxClientWait: .seconds(try read.seconds("max-client-wait", default: policy.timeout.seconds))
        )
        let level = try read.choice(
            "log-level",
            default: "info",
            of: ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        )
        logLevel = Logger.Level(rawValue: level) ?? .info
        logFormat =
            LogFormat(rawValue: try read.choice("log-format", default: "logfmt", of: ["logfmt", "json"])) ?? .logfmt
        supervise = !(try read.flag("no-supervise"))
    }

    /// A share of `--fresh-for`: above 0, at most 1.
    private static func refreshAhead(_ read: SettingReader) throws(SettingError) -> Double {
        guard let given = read.given("refresh-ahead") else { return 0.8 }
        guard let share = Double(given.text), share.isFinite else { throw SettingError(given, "not a number") }
        guard share > 0, share <= 1 else { throw SettingError(given, "must be above 0 and at most 1") }
        return share
    }

    private static func maxStale(_ read: SettingReader) throws(SettingError) -> Duration? {
        if read.given("max-stale")?.text == "unlimited" { return nil }
        guard read.given("max-stale") != nil else { return nil }
        return .seconds(try read.seconds("max-stale", default: 0, allowingZero: true))
    }

    /// `--socket` or `--listen`: the highest layer that names either decides; one layer
    /// naming both is refused. Neither: the socket inherited on fd 0.
    private static func address(_ read: SettingReader) throws(SettingError) -> ListenAddress {
        let socket = read.given("socket")
        let listen = read.given("listen")
        if let socket, let listen, socket.origin.rank == listen.origin.rank {
            throw SettingError(origin: socket.origin, "give \(socket.shown) or \(listen.shown), not both")
        }
        if let socket, socket.origin > (listen?.origin ?? .defaultValue) {
            guard !socket.text.isEmpty else { throw SettingError(socket, "needs a path") }
            let modeText = read.given("socket-mode")
            let mode = modeText.map { UInt32($0.text, radix: 8) } ?? 0o660
            guard let mode, mode <= 0o777 else {
                throw SettingError(modeText!, "must be octal permission bits such as 660")
            }
            return .unixSocket(path: socket.text, mode: mode)
        }
        if let listen {
            guard let address = ListenAddress(hostAndPort: listen.text) else {
                throw SettingError(listen, "takes HOST:PORT, such as 127.0.0.1:9000 or [::1]:9000")
            }
            return address
        }
        if let modeText = read.given("socket-mode"), UInt32(modeText.text, radix: 8).map({ $0 <= 0o777 }) != true {
            throw SettingError(modeText, "must be octal permission bits such as 660")
        }
        return .inherited(descriptor: 0)
    }

    private static func source(_ read: SettingReader) throws(SettingError) -> SourceConfiguration {
        let kind = try read.choice("source", default: "simulated", of: ["simulated", "command", "http"])
        let deciding = read.given("source")
        try read.refuse("command", unless: kind == "command", over: deciding, "used only with --source command")
        try read.refuse("arg", unless: kind == "command", over: deciding, "used only with --source command")
        try read.refuse("url", unless: kind == "http", over: deciding, "used only with --source http")
        let delay = try read.seconds("delay", default: 10, allowingZero: true)
        let jitter = try read.seconds("delay-jitter", default: 0, allowingZero: true)
        switch kind {
        case "command":
            guard let command = read.text("command"), !command.value.isEmpty else {
                throw SettingError(
                    origin: deciding?.origin ?? .commandLine,
                    "\(deciding?.shown ?? "--source command") needs --command PATH"
                )
            }
            return .command(executable: command.value, arguments: read.given("arg")?.texts ?? [])
        case "http":
            guard let url = read.text("url"), !url.value.isEmpty else {
                throw SettingError(
                    origin: deciding?.origin ?? .commandLine,
                    "\(deciding?.shown ?? "--source http") needs --url URL"
                )
            }
            return .http(urlTemplate: url.value)
        default:
            return .simulated(delay: .seconds(delay), jitter: .seconds(jitter))
        }
    }

    private static func keys(_ read: SettingReader) throws(SettingError) -> KeyRule {
        guard let given = read.given("keys") else { return .any }
        do {
            return try KeyRule(parsing: given.text)
        } catch {
            throw SettingError(given, "\(error)")
        }
    }

    private static func cacheFile(_ read: SettingReader) throws(SettingError) -> String? {
        guard let given = read.given("cache-file") else { return nil }
        guard !given.text.isEmpty else { throw SettingError(given, "needs a path") }
        return given.text
    }
}
