import Synchronization

// How retrievals start, land and end. Every function here that takes `state` runs under
// the engine's lock; the others take it themselves and resolve waiters outside it.

extension RetrievalEngine {
    enum Admission {
        /// Answered without waiting (backing off, over the limit).
        case answered(RetrievalOutcome<Value>)
        /// Waiting for a flight, as `waiter` of flight `flight`.
        case waiting(waiter: UInt64, flight: UInt64)
    }

    /// Joins the key's retrieval in flight, or starts one, or answers at once when none
    /// may start.
    func admit(_ key: Key, waiter: OneShot<WaitResult>, now: C.Instant, state: inout State) -> Admission {
        let waiterID = state.makeID()
        let flightID = state.makeID()
        var running = state.running
        defer { state.running = running }
        return state.entries.withEntry(key, create: { Entry() }) { entry in
            if entry.flight == nil {
                if let failure = entry.lastFailure, now < failure.at.advanced(by: policy.retryAfter) {
                    return .answered(fallback(entry, because: .backingOff(after: failure.error), now: now))
                }
                guard running < policy.maxConcurrentRetrievals else {
                    return .answered(fallback(entry, because: .overloaded, now: now))
                }
                entry.flight = startFlight(for: key, id: flightID, now: now)
                running += 1
            }
            entry.flight!.waiters[waiterID] = waiter
            return .waiting(waiter: waiterID, flight: entry.flight!.id)
        }
    }

    /// Starts the source for `key` in a task of its own, so no caller ever waits for it
    /// past its own deadline.
    private func startFlight(for key: Key, id: UInt64, now: C.Instant) -> Flight {
        statistics.retrievalStarted()
        let budget = timers.schedule(at: now.advanced(by: policy.maxRetrieval)) {
            self.end(key, flight: id, failure: RetrievalBudgetExceeded(budget: self.policy.maxRetrieval))
        }
        let source = source
        let task = Task(executorPreference: taskExecutor) {
            let result: Result<Value, any Error>
            do {
                result = .success(try await source(key))
            } catch {
                result = .failure(error)
            }
            self.land(key, flight: id, result)
        }
        return Flight(id: id, task: task, budget: budget)
    }

    /// A flight's source has returned: cache its value (or its failure) and answer its
    /// waiters. A flight already detached (cancelled, over budget) changes nothing.
    private func land(_ key: Key, flight flightID: UInt64, _ result: Result<Value, any Error>) {
        let now = clock.now
        let landed: Flight? = state.withLock { state in
            let flight = detach(key, flight: flightID, state: &state) { entry in
                switch result {
                case let .success(value):
                    entry.stored = (value, now)
                    entry.lastFailure = nil
                case let .failure(error):
                    entry.lastFailure = (error, now)
                }
            }
            return flight
        }
        guard let landed else { return }
        timers.cancel(landed.budget)
        switch result {
        case let .success(value):
            statistics.retrievalSucceeded()
            landed.waiters.values.forEach { $0.resolve(.value(value)) }
        case let .failure(error):
            statistics.retrievalFailed()
            landed.waiters.values.forEach { $0.resolve(.failed(error)) }
        }
    }

    /// Ends a flight that has outlived its budget: cancelled, recorded as a failure.
    private func end(_ key: Key, flight flightID: UInt64, failure: any Error) {
        let now = clock.now
        let ended = state.withLock { state in
            detach(key, flight: flightID, state: &state) { $0.lastFailure = (failure, now) }
        }
        guard let ended else { return }
        statistics.retrievalFailed()
        ended.task.cancel()
        ended.waiters.values.forEach { $0.resolve(.failed(failure)) }
    }

    /// A caller stops waiting (its deadline, or it was cancelled). The last one to leave
    /// cancels the retrieval, unless the policy is to let it refresh the cache.
    func leave(_ key: Key, waiter waiterID: UInt64, flight flightID: UInt64) {
        let abandoned: Flight? = state.withLock { state in
            var isLast = false
            state.entries.update(key) { entry in
                guard entry.flight?.id == flightID else { return }
                entry.flight!.waiters[waiterID] = nil
                isLast = entry.flight!.waiters.isEmpty
            }
            guard isLast, policy.onTimeout == .cancel else { return nil }
            return detach(key, flight: flightID, state: &state) { _ in }
        }
        guard let abandoned else { return }
        statistics.retrievalCancelled()
        timers.cancel(abandoned.budget)
        abandoned.task.cancel()
    }

    /// Takes flight `flightID` off its key (if it is still the key's flight), frees its
    /// slot under the global limit and lets `update` record what came of it.
    private func detach(
        _ key: Key,
        flight flightID: UInt64,
        state: inout State,
        _ update: (inout Entry) -> Void
    ) -> Flight? {
        let flight: Flight? =
            state.entries.update(key) { entry in
                guard let flight = entry.flight, flight.id == flightID else { return nil }
                entry.flight = nil
                update(&entry)
                return flight
            } ?? nil
        if flight != nil { state.running -= 1 }
        return flight
    }
}
