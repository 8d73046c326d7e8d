import Synchronization

extension RetrievalEngine {
    /// The key space and retrievals now. It walks every shard's cached values for the
    /// oldest one, a shard at a time: meant for a status page, not for every request.
    public var figures: RetrievalFigures {
        let now = clock.now
        var oldest: C.Instant?
        var cachedValues = 0
        var valuelessEntries = 0
        for shard in shards {
            shard.state.withLock { state in
                state.values.forEach { entry in
                    if let at = entry.stored?.at, oldest.map({ at < $0 }) ?? true { oldest = at }
                }
                cachedValues += state.values.count
                valuelessEntries += state.valueless.count
            }
        }
        return RetrievalFigures(
            cachedValues: cachedValues,
            valuelessEntries: valuelessEntries,
            runningRetrievals: runningRetrievals,
            orphanedRetrievals: orphanedRetrievals,
            oldestValueAge: oldest.map { $0.duration(to: now) }
        )
    }

    /// Source tasks alive now, attached to their key or orphaned: what counts against
    /// `maxConcurrentRetrievals`.
    public var runningRetrievals: Int {
        slotsInUse.load(ordering: .relaxed)
    }

    /// Retrievals given up on (cancelled, or over their budget) whose source task still
    /// runs; they hold their slots until it returns.
    public var orphanedRetrievals: Int {
        orphans.load(ordering: .relaxed)
    }

    /// Retrievals attached to their key (at most one per key), for tests.
    var attachedRetrievals: Int {
        runningRetrievals - orphanedRetrievals
    }
}
