import FastCGI
import Testing

/// The parameters as handlers see them: values by name, headers by their HTTP name.
@Suite struct CGIParamsTests {
    let params: CGIParams = [
        "QUERY_STRING": "key=a", "HTTP_CACHE_CONTROL": "max-age=5", "HTTP_X_EMPTY": "", "QUERY": "other",
        "HTTP_CACHE_CONTROL_EXTRA": "no",
    ]

    @Test func aValueIsFoundByItsExactName() {
        #expect(params["QUERY_STRING"] == "key=a")
        #expect(params["QUERY"] == "other")
        #expect(params["QUERY_STRIN"] == nil)
        #expect(params["query_string"] == nil, "names are case-sensitive")
    }

    @Test func aHeaderIsFoundWhateverItsCaseAndDashes() {
        #expect(params.header("Cache-Control") == "max-age=5")
        #expect(params.header("cache-control") == "max-age=5")
        #expect(params.header("CACHE_CONTROL") == "max-age=5")
        #expect(params.header("X-Empty") == "")
        #expect(params.header("Cache") == nil)
        #expect(params.header("Query-String") == nil, "only HTTP_ parameters are headers")
    }

    @Test func iterationKeepsTheOrderAndTheFirstOfTwoNamesWins() {
        let twice = CGIParams([("A", "1"), ("B", "=2="), ("A", "3")])
        #expect(twice.map { "\($0.name)=\($0.value)" } == ["A=1", "B==2=", "A=3"])
        #expect(twice["A"] == "1")
        #expect(twice["B"] == "=2=", "a value may hold '='")
        #expect(twice.count == 3)
    }

    @Test func valuesAreDecodedAsUTF8() {
        let params = CGIParams([("HTTP_X_NAME", "café")])
        #expect(params.header("x-name") == "café")
    }
}
