import Synchronization

extension RetrievalEngine {
    /// The key space and retrievals now, consistent with each other. It walks the cached
    /// values for the oldest one: meant for a status page, not for every request.
    public var figures: RetrievalFigures {
        let now = clock.now
        return state.withLock { state in
            var oldest: C.Instant?
            state.values.forEach { entry in
                if let at = entry.stored?.at, oldest.map({ at < $0 }) ?? true { oldest = at }
            }
            return RetrievalFigures(
                cachedValues: state.values.count,
                valuelessEntries: state.valueless.count,
                runningRetrievals: state.running,
                orphanedRetrievals: state.orphaned,
                oldestValueAge: oldest.map { $0.duration(to: now) }
            )
        }
    }

    /// Source tasks alive now, attached to their key or orphaned: what counts against
    /// `maxConcurrentRetrievals`.
    public var runningRetrievals: Int {
        state.withLock { $0.running }
    }

    /// Retrievals given up on (cancelled, or over their budget) whose source task still
    /// runs; they hold their slots until it returns.
    public var orphanedRetrievals: Int {
        state.withLock { $0.orphaned }
    }

    /// Retrievals attached to their key (at most one per key), for tests.
    var attachedRetrievals: Int {
        state.withLock { $0.running - $0.orphaned }
    }
}
