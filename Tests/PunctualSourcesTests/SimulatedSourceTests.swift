import PunctualJSON
import PunctualSources
import Retrieval
import Testing

@Suite struct SimulatedSourceTests {
    @Test func anInstantSimulationReturnsANumberInTheUnitInterval() async throws {
        let source = SimulatedSource(delay: .zero, timers: Timers(clock: ContinuousClock()))
        let value = try await source.retrieve("any key")
        let number = try #require(Double(value.description))
        #expect((0..<1).contains(number))
    }
}
