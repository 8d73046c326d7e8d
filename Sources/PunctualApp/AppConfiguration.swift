import FastCGI
import Retrieval

/// Everything `punctual` is started with, whatever parsed it.
public struct AppConfiguration: Sendable {
    /// Where nginx reaches the responder.
    public var address: ListenAddress
    /// Deadlines, coalescing, refresh, back-off, staleness and cache size.
    public var policy: RetrievalPolicy
    /// How long the simulated retrieval takes…
    public var delay: Duration
    /// …plus a uniformly random share of this.
    public var delayJitter: Duration

    public init(
        address: ListenAddress,
        policy: RetrievalPolicy = RetrievalPolicy(),
        delay: Duration = .seconds(10),
        delayJitter: Duration = .zero
    ) {
        self.address = address
        self.policy = policy
        self.delay = delay
        self.delayJitter = delayJitter
    }
}
