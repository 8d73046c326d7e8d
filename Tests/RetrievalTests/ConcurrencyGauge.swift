import Synchronization

/// Counts the bodies running at once (a source's, say) and the most there ever were.
final class ConcurrencyGauge: Sendable {
    private let state = Mutex((current: 0, maximum: 0))

    init() {}

    var current: Int { state.withLock { $0.current } }
    var maximum: Int { state.withLock { $0.maximum } }

    /// Runs `body`, counted as running meanwhile.
    func measure<R>(_ body: () async throws -> R) async rethrows -> R {
        state.withLock { state in
            state.current += 1
            state.maximum = max(state.maximum, state.current)
        }
        defer { state.withLock { $0.current -= 1 } }
        return try await body()
    }
}
