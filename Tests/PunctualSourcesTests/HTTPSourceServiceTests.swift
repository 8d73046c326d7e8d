import Logging
import PunctualHTTPSource
import PunctualJSON
import PunctualTestSupport
import ServiceLifecycle
import Testing

@Suite(.timeLimit(.minutes(1))) struct HTTPSourceServiceTests {
    @Test func gracefulShutdownOfItsGroupShutsTheClientDown() async throws {
        try await withTestHTTPServer(route: { _ in .json("true") }) { server in
            let source = try HTTPSource(
                urlTemplate: "http://127.0.0.1:\(server.port)/{key}",
                requestTimeout: .seconds(30),
                logger: Logger(label: "HTTPSourceServiceTests")
            )
            let group = ServiceGroup(services: [source], logger: Logger(label: "HTTPSourceServiceTests"))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let value = try await source.retrieve("k")
                #expect(value.description == "true")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            await #expect(throws: HTTPSource.Failure.shutDown) { try await source.retrieve("k") }
            // The client is shut down once: asking again is harmless.
            try await source.shutdown()
        }
    }

    @Test func cancellingItsRunShutsTheClientDown() async throws {
        let source = try HTTPSource(
            urlTemplate: "http://127.0.0.1:\(try freeLoopbackPort())/{key}",
            requestTimeout: .seconds(30),
            logger: Logger(label: "HTTPSourceServiceTests")
        )
        let run = Task { try await source.run() }
        run.cancel()
        try await run.value
        await #expect(throws: HTTPSource.Failure.shutDown) { try await source.retrieve("k") }
        try await source.shutdown()
    }
}
