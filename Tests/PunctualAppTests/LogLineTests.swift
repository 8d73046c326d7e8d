import Testing

@testable import PunctualApp

/// `--log-format`: one line per event that no value can break or forge a field in.
@Suite struct LogLineTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func logfmtQuotesOnlyWhatNeedsIt() {
        let line = LogLine.logfmt([("level", "info"), ("msg", "stale"), ("key", "a b"), ("empty", "")])
        #expect(text(line) == #"level=info msg=stale key="a b" empty="""#)
    }

    @Test func logfmtEscapesQuotesNewlinesAndEquals() {
        let line = LogLine.logfmt([("key", "x\" forged=1\nlevel=error"), ("eq", "a=b")])
        #expect(text(line) == #"key="x\" forged=1\nlevel=error" eq="a=b""#)
        #expect(!text(line).contains("\n"))
    }

    @Test func jsonIsOneObjectOfStrings() {
        let line = LogLine.json([("level", "info"), ("key", "<\u{1}>\"\\")])
        #expect(text(line) == #"{"level":"info","key":"<\u0001>\"\\"}"#)
    }

    @Test func theTimeIsUTCToTheMillisecond() {
        let time = LogTime.now()
        #expect(time.count == 24)
        #expect(time.hasSuffix("Z"))
        #expect(time.dropFirst(10).first == "T")
    }
}
