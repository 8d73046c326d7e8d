import PunctualStore
import PunctualTestSupport
import ServiceLifecycle
import Testing

@Suite(.timeLimit(.minutes(2))) struct SQLiteStoreServiceTests {
    @Test func gracefulShutdownOfItsServiceGroupCommitsTheValuesSavedJustBefore() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            let log = LogRecorder()
            let store = try await SQLiteStore.open(path: path, logger: log.logger)
            let started = Started()
            // The store first, so that it is shut down last, as the app lists it.
            let group = ServiceGroup(services: [store, started], logger: log.logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                await started.wait()
                for index in 0..<1_000 { store.save(storedValue("key\(index)", "\(index)")) }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(store.pendingCount == 0)
            #expect(store.writesCommitted == 1_000)
            #expect(try await reopenedValues(at: path).count == 1_000)
        }
    }

    @Test func aCancelledRunStillCommitsWhatWasSaved() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            let store = try await SQLiteStore.open(path: path, logger: LogRecorder().logger)
            let run = Task { try await store.run() }
            for index in 0..<100 { store.save(storedValue("key\(index)", "\(index)")) }
            run.cancel()
            try await run.value
            #expect(store.writesCommitted == 100)
            #expect(try await reopenedValues(at: path).count == 100)
        }
    }
}

/// A service that says when the group runs it, then waits for shutdown.
private final class Started: Service {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream()
    }

    func wait() async {
        for await _ in stream { return }
    }

    func run() async throws {
        continuation.yield()
        try? await gracefulShutdown()
    }
}
