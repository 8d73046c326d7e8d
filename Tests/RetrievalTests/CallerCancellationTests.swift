import Testing

@testable import Retrieval

/// How `retrieve()` behaves when its caller gives up, and under many concurrent callers.
@Suite(.timeLimit(.minutes(1)))
struct CallerCancellationTests {
    @Test("A cancelled caller gets CancellationError, the source is cancelled and no timer is left")
    func cancelledCallerCancelsEverything() async {
        await withTimers { clock, timers in
            let started = CountdownLatch()
            let ended = CountdownLatch()
            let cancellations = Recorder<Bool>()
            let retriever = TestRetriever(
                timeout: .seconds(5),
                seed: "seed",
                clock: clock,
                timers: timers,
                source: sleepingSource(
                    .seconds(10),
                    returning: "late",
                    timers: timers,
                    started: started,
                    ended: ended,
                    cancellations: cancellations
                )
            )

            let retrieval = startRetrieval(retriever, on: clock)
            await started.wait()
            retrieval.cancel()

            await #expect(throws: CancellationError.self) { try await retrieval.value }
            await ended.wait()
            #expect(cancellations.elements == [true])
            #expect(timers.pendingCount == 0)
            #expect(clock.now == .seconds(0))
            #expect(retriever.cached?.value == "seed")
        }
    }

    @Test("A caller cancelled before it retrieves gets CancellationError without starting the source")
    func alreadyCancelledCallerDoesNotStartTheSource() async {
        await withTimers { clock, timers in
            let calls = Recorder<String>()
            let retriever = TestRetriever(
                timeout: .seconds(5),
                seed: "seed",
                clock: clock,
                timers: timers,
                source: {
                    calls.append("call")
                    return "fresh"
                }
            )

            let retrieval = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await retriever.retrieve()
            }

            await #expect(throws: CancellationError.self) { try await retrieval.value }
            #expect(calls.elements.isEmpty)
            #expect(timers.pendingCount == 0)
        }
    }

    @Test("A thousand concurrent callers share one retrieval and are all answered at the deadline")
    func manyCallersShareOneRetrievalAndAreAnsweredAtTheDeadline() async throws {
        let callers = 1000
        try await withTimers { clock, timers in
            let started = CountdownLatch(count: 1)
            let ended = CountdownLatch()
            let cancellations = Recorder<Bool>()
            let retriever = TestRetriever(
                timeout: .seconds(5),
                seed: "seed",
                clock: clock,
                timers: timers,
                source: sleepingSource(
                    .seconds(3600),
                    returning: "late",
                    timers: timers,
                    started: started,
                    ended: ended,
                    cancellations: cancellations
                )
            )

            let retrievals = (0..<callers).map { _ in startRetrieval(retriever, on: clock) }
            // Every caller's deadline, the retrieval's budget and its sleep are registered.
            await started.wait()
            await waitForPendingTimers(timers, count: callers + 2)
            clock.advance(to: .seconds(5))

            var answers: [OutcomeSummary<String>] = []
            for retrieval in retrievals {
                let answer = try await retrieval.value
                #expect(answer.at == .seconds(5))
                answers.append(answer.outcome.summary)
            }
            #expect(answers == Array(repeating: .cached("seed", age: .seconds(5), reason: .timeout), count: callers))
            #expect(retriever.engine.statistics.retrievalsStarted == 1, "one retrieval for all callers")
            await ended.wait()
            #expect(cancellations.elements == [true], "cancelled once the last caller left")
            #expect(timers.pendingCount == 0)
        }
    }
}
