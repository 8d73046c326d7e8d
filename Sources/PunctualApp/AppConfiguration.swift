import FastCGI
import Logging

/// Everything `punctual` is started with, whatever parsed it.
public struct AppConfiguration: Sendable {
    /// Where nginx reaches the responder.
    public var address: ListenAddress
    /// How long a request waits for a fresh value before the cached one is served.
    public var timeout: Duration
    /// How long the simulated retrieval takes.
    public var delay: Duration
    public var logLevel: Logger.Level

    public init(address: ListenAddress, timeout: Duration = .seconds(5), delay: Duration = .seconds(10), logLevel: Logger.Level = .info) {
        self.address = address
        self.timeout = timeout
        self.delay = delay
        self.logLevel = logLevel
    }
}
