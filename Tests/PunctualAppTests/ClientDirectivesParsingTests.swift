import Retrieval
import Testing

@testable import PunctualApp

/// `Cache-Control` request directives (RFC 9111 §5.2) and `Prefer: wait` (RFC 7240 §4.3),
/// parsed per their grammar: comma lists, quoted values, case-insensitive names, unknown
/// directives ignored, duplicates the most restrictive, anything malformed ignored.
@Suite struct ClientDirectivesParsingTests {
    private func parse(_ cacheControl: String?, prefer: String? = nil) -> ClientDirectives {
        ClientDirectives(prefer: prefer, cacheControl: cacheControl)
    }

    @Test func theRFCsOwnExamples() {
        // RFC 9111 §5.2: "Cache-Control: max-age=5" and its quoted form, which recipients accept.
        #expect(parse("max-age=5").maxAge == 5)
        #expect(parse(#"max-age="5""#).maxAge == 5)
        // RFC 9111 §5.2.1.4 and §5.2.1.7.
        #expect(parse("no-cache").noCache)
        #expect(parse("only-if-cached").onlyIfCached)
        // RFC 7240 §4.3: "Prefer: respond-async, wait=10" (and §2's "wait=10; foo=bar").
        #expect(parse(nil, prefer: "respond-async, wait=10").wait == 10)
        #expect(parse(nil, prefer: "wait=10; foo=bar").wait == 10)
    }

    @Test func listsNamesAndSpaces() {
        let parsed = parse(" Max-Age = 10 ,  MIN-FRESH=3,max-stale=60 , no-cache")
        #expect(parsed.maxAge == nil, "no spaces around = in the grammar: that directive is malformed")
        #expect(parsed.minFresh == 3)
        #expect(parsed.maxStale == 60)
        #expect(parsed.noCache)
        #expect(parse("MAX-AGE=10").maxAge == 10, "names are case-insensitive")
    }

    @Test func maxStaleWithoutAValueAcceptsAnyAge() {
        let parsed = parse("max-stale")
        #expect(parsed.maxStaleAny)
        #expect(parsed.maxStale == nil)
        #expect(parsed.request(maxClientWait: .seconds(5)).request.maxStale == nil)
    }

    @Test func duplicatesKeepTheMostRestrictive() {
        #expect(parse("max-age=60, max-age=10").maxAge == 10)
        #expect(parse("max-stale=30, max-stale=5").maxStale == 5)
        #expect(parse("min-fresh=3, min-fresh=8").minFresh == 8)
    }

    @Test func unknownAndMalformedDirectivesAreIgnored() {
        let parsed = parse(#"private, community="UCI", max-age=abc, max-age=-1, max-age=, foo bar, max-age=7"#)
        #expect(parsed.maxAge == 7)
        #expect(!parsed.noCache)
        #expect(parse(#"max-age="5"#).maxAge == nil, "an unterminated quoted string")
        #expect(parse("").maxAge == nil)
        #expect(parse(",,,").maxAge == nil)
    }

    @Test func aHugeDeltaIsTwoToTheThirtyFirst() {
        #expect(parse("max-age=99999999999999999999999").maxAge == 1 << 31)
    }

    @Test func waitIsClampedToTheMostAllowedAndAbsurdValuesIgnored() {
        let short = parse(nil, prefer: "wait=0.2").request(maxClientWait: .seconds(5))
        #expect(short.request.deadline == .milliseconds(200))
        #expect(short.appliedWait == .milliseconds(200))
        let long = parse(nil, prefer: "wait=600").request(maxClientWait: .seconds(5))
        #expect(long.request.deadline == .seconds(5), "never beyond --max-client-wait")
        for absurd in ["wait=-1", "wait=abc", "wait=", "wait=nan", "wait=inf", "wait"] {
            let ignored = parse(nil, prefer: absurd).request(maxClientWait: .seconds(5))
            #expect(ignored.request.deadline == nil, "\(absurd)")
            #expect(ignored.appliedWait == nil)
        }
    }

    @Test func theAppliedWaitIsWrittenAsGiven() {
        #expect(RetrieveDataEndpoint<ContinuousClock>.seconds(.milliseconds(200)) == "0.2")
        #expect(RetrieveDataEndpoint<ContinuousClock>.seconds(.seconds(3)) == "3")
    }
}
