import Foundation
import PunctualTestSupport
import Testing

/// `/retrieve-data` end to end: curl-like clients → nginx → punctual.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RetrieveDataThroughNginxTests {
    @Test func aRetrievalInTimeAnswersFreshJSON() async throws {
        try await PunctualFixture.with(["--delay", "0.2", "--timeout", "1"]) { fixture in
            let reply = try await fixture.get()
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "application/json")
            let answer = try RecipeAnswer(reply)
            #expect(answer.cache == false)
            #expect((0..<1).contains(answer.message))
            #expect(reply.latency >= .milliseconds(200), "the retrieval ran")
            #expect(reply.latency < .seconds(1), "and finished before the deadline")
        }
    }

    @Test func aLateRetrievalAnswersTheCachedValueAtTheDeadline() async throws {
        try await PunctualFixture.with(["--delay", "3", "--timeout", "0.3"]) { fixture in
            let first = try await fixture.get()
            let second = try await fixture.get()
            let answers = try [RecipeAnswer(first), RecipeAnswer(second)]
            #expect(answers.allSatisfy { $0.cache })
            #expect(answers[0] == answers[1], "the same seeded value each time")
            for reply in [first, second] {
                #expect(reply.status == 200)
                #expect(reply.latency >= .milliseconds(300), "answered at the deadline, not before")
                #expect(reply.latency < .milliseconds(1500), "answered at the deadline, not after the retrieval")
            }
        }
    }

    @Test func headAnswersTheHeadersWithoutTheBody() async throws {
        try await PunctualFixture.with(["--delay", "0", "--timeout", "1"]) { fixture in
            let head = try await fixture.get(method: "HEAD")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(Int(head.headers["content-length"] ?? "") ?? 0 > 0, "HEAD describes the body it leaves out")
        }
    }

    @Test func otherMethodsAnswer405WithAllow() async throws {
        try await PunctualFixture.with(["--delay", "0"]) { fixture in
            for method in ["POST", "PUT", "DELETE"] {
                let reply = try await fixture.get(method: method)
                #expect(reply.status == 405, "\(method)")
                #expect(reply.headers["allow"] == "GET, HEAD")
                #expect(reply.headers["content-type"] == "application/json")
                #expect(reply.body.contains(#""error""#))
            }
        }
    }

    @Test func otherPathsAnswer404WithAJSONError() async throws {
        try await PunctualFixture.with(["--delay", "0"]) { fixture in
            let reply = try await fixture.get("/nothing-here")
            #expect(reply.status == 404)
            #expect(reply.headers["content-type"] == "application/json")
            #expect(reply.body == #"{"error":"not found"}"#)
        }
    }

    /// The acceptance load: a hanging retrieval, a short deadline, 1000 requests at once.
    @Test func aThousandWaitingRequestsAreAnsweredAtTheDeadlineWithFewThreads() async throws {
        try await PunctualFixture.with(["--delay", "3600", "--timeout", "0.1"]) { fixture in
            let pid = try await fixture.workerPID()
            let peakThreads = PeakSampler { threadCount(pid: pid) ?? 0 }
            let replies = try await fixture.concurrent(1000)
            let maxThreads = await peakThreads.stop()
            #expect(replies.count == 1000)
            #expect(replies.allSatisfy { $0.status == 200 }, "statuses: \(Set(replies.map(\.status)))")
            #expect(try replies.allSatisfy { try RecipeAnswer($0).cache }, "every answer is the cached value")
            let latencies = replies.map(\.latency).sorted()
            #expect(
                latencies.last! < .seconds(5),
                "answered near the deadline, not at the retrieval's end: \(latencies.last!)"
            )
            #expect(maxThreads < 20, "the responder used \(maxThreads) threads")
            print(
                "1000 concurrent, 100 ms deadline: p50 \(latencies[499]), p99 \(latencies[989]), max \(latencies.last!), peak threads \(maxThreads), RSS \(residentKiB(pid: pid) ?? 0) KiB"
            )
        }
    }
}

/// Samples a value every few milliseconds on a thread of its own and keeps the peak.
final class PeakSampler: @unchecked Sendable {
    // `peak` and `running` are touched under `lock` only.
    private let lock = NSLock()
    private var peak = 0
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(_ sample: @escaping @Sendable () -> Int) {
        Thread {
            while self.lock.withLock({ self.running }) {
                let value = sample()
                self.lock.withLock { self.peak = max(self.peak, value) }
                usleep(5000)
            }
            self.done.signal()
        }.start()
    }

    func stop() async -> Int {
        lock.withLock { running = false }
        return
            (try? await offPool {
                self.done.wait()
                return self.lock.withLock { self.peak }
            }) ?? 0
    }
}
