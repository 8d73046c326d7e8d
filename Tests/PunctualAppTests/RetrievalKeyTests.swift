@testable import PunctualApp
import PunctualJSON
import Testing

@Suite struct RetrievalKeyTests {
    @Test(arguments: [
        ("", ""),
        ("other=1", ""),
        ("key=abc", "abc"),
        ("a=1&key=x%20y&key=ignored", "x y"),
        ("key=a+b", "a b"),
        ("key=%E2%82%AC", "€"),
        ("key=" + String(repeating: "k", count: 256), String(repeating: "k", count: 256)),
    ])
    func validQueriesName(query: String, key: String) {
        #expect(RetrievalKey.parse(query: query) == .success(key))
    }

    @Test(arguments: [
        ("key=", RetrievalKey.Problem.empty),
        ("key", .empty),
        ("key=%ff", .notUTF8),
        ("key=%C3", .notUTF8),
        ("key=%zz", .malformedEscape),
        ("key=abc%2", .malformedEscape),
        ("key=" + String(repeating: "k", count: 257), .tooLong),
        ("key=" + String(repeating: "%E2%82%AC", count: 86), .tooLong),
    ])
    func invalidKeysAreRefused(query: String, problem: RetrievalKey.Problem) {
        #expect(RetrievalKey.parse(query: query) == .failure(problem))
    }
}

@Suite struct JSONFragmentTests {
    @Test func stringsAreEscaped() {
        #expect(JSONFragment(string: "a\"b\\c\n\u{01}é").description == #""a\"b\\c\n\u0001é""#)
    }

    @Test func numbersReadBackExactly() {
        for number in [0.0, 0.1, 0.5488135039273248, 1e-7] {
            #expect(Double(JSONFragment(number: number).description) == number)
        }
    }
}
