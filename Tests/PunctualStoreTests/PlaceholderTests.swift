import Testing

@Suite struct StorePlaceholderTests {
    @Test func theStoreSuiteRuns() {
        #expect(Bool(true))
    }
}
