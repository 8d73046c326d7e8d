/// Where a caller of `RetrievalEngine.retrieve(_:)` runs, when a server has several I/O
/// threads: that thread's timers keep the caller's deadline, and a retrieval the caller
/// starts runs on that thread's executor, so that neither wakes another thread.
///
/// Callers on other threads still share one retrieval per key: a key's state is behind
/// one lock, whichever thread asks (the engine's key space is split among several).
public struct CallerPlacement<C: Clock>: Sendable where C.Duration == Duration {
    public let timers: Timers<C>
    public let taskExecutor: any TaskExecutor

    public init(timers: Timers<C>, taskExecutor: any TaskExecutor) {
        self.timers = timers
        self.taskExecutor = taskExecutor
    }
}
