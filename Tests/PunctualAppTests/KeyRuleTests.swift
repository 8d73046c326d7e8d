import FastCGI
import Logging
import PunctualJSON
import Retrieval
import Synchronization
import Testing

@testable import PunctualApp

/// `--keys`: which keys an operator lets clients ask for.
@Suite struct KeyRuleTests {
    @Test func anyAcceptsEveryKey() throws {
        let rule = try KeyRule(parsing: "any")
        #expect(rule.allows("x"))
        #expect(rule.allows("<script>"))
        #expect(rule.allows(RetrievalKey.defaultKey))
    }

    @Test func noneAcceptsOnlyTheDefaultKey() throws {
        let rule = try KeyRule(parsing: "none")
        #expect(!rule.allows("x"))
        #expect(rule.allows(RetrievalKey.defaultKey))
    }

    @Test func aPatternMustMatchTheWholeKey() throws {
        let rule = try KeyRule(parsing: "[A-Z]{1,5}")
        #expect(rule.allows("ACME"))
        #expect(!rule.allows("acme"))
        #expect(!rule.allows("ACME1"), "a match of part of the key is not enough")
        #expect(!rule.allows("TOOLONG"))
        #expect(rule.allows(RetrievalKey.defaultKey), "the default key is always allowed")
    }

    @Test func aPatternThatDoesNotCompileIsRefused() {
        #expect(throws: KeyPattern.Invalid.self) { try KeyRule(parsing: "([unclosed") }
    }

    @Test func aRefusedKeyIsA400WithoutARetrieval() async throws {
        let clock = ContinuousClock()
        let calls = CallCount()
        let engine = RetrievalEngine(
            policy: .init(timeout: .seconds(1)),
            clock: clock,
            timers: Timers(clock: clock)
        ) { (_: String) -> JSONFragment in
            calls.increment()
            return JSONFragment(number: 1)
        }
        let endpoint = RetrieveDataEndpoint(
            engine: engine,
            keys: try KeyRule(parsing: "none"),
            logger: Logger(label: "test")
        )
        let refused = await endpoint.answer(FastCGIRequest(params: ["QUERY_STRING": "key=other"]))
        #expect(refused.status == 400)
        #expect(String(decoding: refused.body, as: UTF8.self) == #"{"error":"key not allowed"}"#)
        #expect(calls.value == 0)
        let allowed = await endpoint.answer(FastCGIRequest(params: ["QUERY_STRING": ""]))
        #expect(allowed.status == 200)
        #expect(calls.value == 1)
    }
}

/// Counts calls from any thread.
final class CallCount: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
