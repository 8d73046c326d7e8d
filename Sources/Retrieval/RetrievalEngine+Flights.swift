import Synchronization

// How retrievals start, land and end. Every function here that takes `state` runs under
// the key's shard's lock; the others take it themselves and resolve waiters outside it.
// A retrieval starts only with a slot (`takeSlot()`), given back when its source returns.

extension RetrievalEngine {
    enum Admission {
        /// Answered without waiting (backing off, over the limit).
        case answered(RetrievalOutcome<Value>)
        /// Waiting for a flight, as `waiter` of flight `flight`.
        case waiting(waiter: UInt64, flight: UInt64)
    }

    /// Joins the key's retrieval in flight, or starts one, or answers at once when none
    /// may start. A key without an entry gets one only if its retrieval starts.
    func admit(
        _ key: Key,
        _ request: RetrievalRequest,
        waiter: OneShot<WaitResult>,
        now: C.Instant,
        state: inout State
    ) -> Admission {
        if let answered = answerFromCache(key, request, now: now, state: &state) {
            return .answered(answered)
        }
        let ids = (waiter: state.makeID(), flight: state.makeID())
        let joined =
            state.values.use(key) {
                join(&$0, key: key, request, waiter: waiter, ids: ids, now: now)
            }
            ?? state.valueless.use(key) {
                join(&$0, key: key, request, waiter: waiter, ids: ids, now: now)
            }
        if let joined { return joined }
        guard takeSlot() else { return .answered(.unavailable(reason: .overloaded)) }
        var entry = state.newEntry(for: key)
        entry.flight = startFlight(for: key, id: ids.flight, now: now)
        entry.flight!.waiters[ids.waiter] = waiter
        state.insertValueless(entry, for: key)
        return .waiting(waiter: ids.waiter, flight: ids.flight)
    }

    /// A hit (a value young enough for this caller), or the cache only when the caller
    /// asks for it; nil: the usual path. A hit past `refreshAhead` of `freshFor` also
    /// starts one background refresh of its key, when a retrieval may start.
    private func answerFromCache(
        _ key: Key,
        _ request: RetrievalRequest,
        now: C.Instant,
        state: inout State
    ) -> RetrievalOutcome<Value>? {
        if request.onlyIfCached {
            return fallback(state.values.use(key) { $0 }, because: .onlyIfCached, now: now, request)
        }
        guard let (limit, fromPolicy) = hitLimit(request) else { return nil }
        let refreshAfter = policy.freshFor * policy.refreshAhead
        let flightID = state.makeID()
        let hit = state.values.use(key) { entry -> RetrievalOutcome<Value>? in
            guard let stored = entry.stored else { return nil }
            let age = stored.at.duration(to: now)
            guard age < limit else { return nil }
            let backingOff = entry.lastFailure.map { now < $0.at.advanced(by: policy.retryAfter) } ?? false
            if fromPolicy, age >= refreshAfter, entry.flight == nil, !backingOff, takeSlot() {
                entry.flight = startFlight(for: key, id: flightID, now: now)
                statistics.refreshAheadStarted()
            }
            return .hit(stored.value, age: age)
        }
        return hit ?? nil
    }

    /// `admit` for a key that has an entry.
    private func join(
        _ entry: inout Entry,
        key: Key,
        _ request: RetrievalRequest,
        waiter: OneShot<WaitResult>,
        ids: (waiter: UInt64, flight: UInt64),
        now: C.Instant
    ) -> Admission {
        if entry.flight == nil {
            if let failure = entry.lastFailure, now < failure.at.advanced(by: policy.retryAfter) {
                return .answered(fallback(entry, because: .backingOff(after: failure.error), now: now, request))
            }
            guard takeSlot() else {
                return .answered(fallback(entry, because: .overloaded, now: now, request))
            }
            entry.flight = startFlight(for: key, id: ids.flight, now: now)
        }
        entry.flight!.waiters[ids.waiter] = waiter
        return .waiting(waiter: ids.waiter, flight: entry.flight!.id)
    }

    /// Starts the source for `key` in a task of its own, so no caller ever waits for it
    /// past its own deadline. Called in the caller's task, with a slot taken: the
    /// retrieval and its budget run on the caller's thread.
    private func startFlight(for key: Key, id: UInt64, now: C.Instant) -> Flight {
        statistics.retrievalStarted()
        let placement = callerPlacement()
        let timers = placement?.timers ?? timers
        let budget = timers.schedule(at: now.advanced(by: policy.maxRetrieval)) {
            self.end(key, flight: id, failure: RetrievalBudgetExceeded(budget: self.policy.maxRetrieval))
        }
        let source = source
        let task = Task(executorPreference: placement?.taskExecutor ?? taskExecutor) {
            let result: Result<Value, any Error>
            do {
                result = .success(try await source.retrieve(key))
            } catch {
                result = .failure(error)
            }
            self.land(key, flight: id, result)
        }
        return Flight(id: id, task: task, budget: budget, budgetTimers: timers)
    }

    /// A flight's source has returned: its slot is free. If the flight is still attached,
    /// cache (and store) its value or record its failure, and answer its waiters; an
    /// orphan's result (cancelled, over budget) is dropped.
    private func land(_ key: Key, flight flightID: UInt64, _ result: Result<Value, any Error>) {
        let now = clock.now
        let landed: Flight? = shard(for: key).state.withLock { state in
            let flight = state.detach(key, flight: flightID) { entry in
                switch result {
                case let .success(value):
                    entry.stored = (value, now)
                    entry.lastFailure = nil
                case let .failure(error):
                    entry.lastFailure = (error, now)
                }
            }
            if flight == nil {
                orphans.subtract(1, ordering: .relaxed)
                statistics.orphanEnded()
            }
            // Last, so that whoever sees the slot free sees the orphan gone.
            releaseSlot()
            return flight
        }
        guard let landed else { return }
        landed.budgetTimers.cancel(landed.budget)
        switch result {
        case let .success(value):
            statistics.retrievalSucceeded()
            // Before the waiters, so that whoever sees the fresh value finds it saved.
            store?.save(StoredValue(key: key, value: value, retrievedAt: wallClock()))
            landed.waiters.values.forEach { $0.resolve(.value(value)) }
        case let .failure(error):
            statistics.retrievalFailed()
            landed.waiters.values.forEach { $0.resolve(.failed(error)) }
        }
    }

    /// Ends a flight that has outlived its budget: cancelled, recorded as a failure, and an
    /// orphan until its source returns.
    private func end(_ key: Key, flight flightID: UInt64, failure: any Error) {
        let now = clock.now
        let ended = shard(for: key).state.withLock { state in
            let flight = state.detach(key, flight: flightID) { $0.lastFailure = (failure, now) }
            if flight != nil { orphans.add(1, ordering: .relaxed) }
            return flight
        }
        guard let ended else { return }
        statistics.retrievalFailed()
        ended.task.cancel()
        ended.waiters.values.forEach { $0.resolve(.failed(failure)) }
    }

    /// A caller stops waiting (its deadline, or it was cancelled). The last one to leave
    /// cancels the retrieval, unless the policy is to let it refresh the cache; cancelled,
    /// it is an orphan until its source returns.
    func leave(_ key: Key, waiter waiterID: UInt64, flight flightID: UInt64) {
        let abandoned: Flight? = shard(for: key).state.withLock { state in
            let isLast =
                state.modify(key) { entry -> Bool in
                    guard entry.flight?.id == flightID else { return false }
                    entry.flight!.waiters[waiterID] = nil
                    return entry.flight!.waiters.isEmpty
                } ?? false
            guard isLast, policy.onTimeout == .cancel else { return nil }
            let flight = state.detach(key, flight: flightID) { _ in }
            if flight != nil { orphans.add(1, ordering: .relaxed) }
            return flight
        }
        guard let abandoned else { return }
        statistics.retrievalCancelled()
        abandoned.budgetTimers.cancel(abandoned.budget)
        abandoned.task.cancel()
    }
}
