@testable import FastCGI
import PunctualTestSupport
import Testing

@Suite struct RecordScannerTests {
    let scanner = RecordScanner(maxParamsBytes: 4096, maxBodyBytes: 1024)

    func verdict(_ bytes: [UInt8]) -> RecordScanner.Verdict {
        bytes.withUnsafeBytes { scanner.scan($0) }
    }

    var request: [UInt8] {
        FastCGIClient.requestRecords(params: FastCGIClient.nginxParams(), body: Array("hello".utf8))
    }

    @Test func aCompleteRequestIsRecognisedWithItsLength() {
        #expect(verdict(request) == .complete(length: request.count))
        #expect(verdict(request + [1, 2, 3]) == .complete(length: request.count))
    }

    @Test func everyProperPrefixIsIncompleteAndNeverAsksForMoreThanTheRequestHas() {
        for length in 0..<request.count {
            guard case let .incomplete(needed) = verdict(Array(request[..<length])) else {
                Issue.record("prefix of \(length) bytes is not incomplete")
                continue
            }
            #expect(needed > 0 && length + needed <= request.count, "prefix of \(length) bytes, \(needed) needed")
        }
    }

    @Test func readingExactlyWhatIsNeededEndsAtTheRequestsEnd() {
        let next = FastCGIClient.requestRecords(id: 2, params: [("A", "b")])
        let large = FastCGIClient.requestRecords(params: [("X", String(repeating: "a", count: 3000))], body: [9, 9])
        var read: [UInt8] = []
        var reads = 0
        while case let .incomplete(needed) = verdict(read) {
            read += (large + next)[read.count..<(read.count + needed)]
            reads += 1
        }
        #expect(verdict(read) == .complete(length: large.count))
        #expect(read.count == large.count, "not a byte of the next request was taken")
        #expect(reads <= 8, "about one read per record")
    }

    @Test func paddingMustArriveBeforeTheRequestIsComplete() {
        let begin = FastCGIClient.record(type: 1, id: 1, content: [0, 1, 1, 0, 0, 0, 0, 0])
        let params = FastCGIClient.record(type: 4, id: 1, content: [1, 1, 65, 66], padding: 4)
        let bytes =
            begin + params + FastCGIClient.record(type: 4, id: 1, content: [])
            + FastCGIClient.record(type: 5, id: 1, content: [], padding: 3)
        #expect(verdict(bytes) == .complete(length: bytes.count))
        #expect(verdict(Array(bytes.dropLast())) == .incomplete(needed: 1))
    }

    @Test func managementRecordsAreRefused() {
        // FCGI_GET_VALUES naming FCGI_MPXS_CONNS six times overflows libfcgi's stack buffer.
        let name = Array("FCGI_MPXS_CONNS".utf8)
        var pairs: [UInt8] = []
        for _ in 0..<6 { pairs += [UInt8(name.count), 0] + name }
        let bytes = FastCGIClient.record(type: 9, id: 0, content: pairs)
        guard case .invalid = verdict(bytes) else {
            Issue.record("GET_VALUES was not refused")
            return
        }
    }

    @Test func parameterLengthsPointingPastTheStreamAreRefused() {
        // CVE-2025-23016: a 4-byte name length of 0x7ffffffe and a value length of 1.
        let begin = FastCGIClient.record(type: 1, id: 1, content: [0, 1, 1, 0, 0, 0, 0, 0])
        let params = FastCGIClient.record(type: 4, id: 1, content: [0xFF, 0xFF, 0xFF, 0xFE, 1, 65, 66])
        let bytes = begin + params + FastCGIClient.record(type: 4, id: 1, content: [])
        guard case .invalid = verdict(bytes) else {
            Issue.record("malformed params were not refused")
            return
        }
    }

    @Test func parametersSplitOverSeveralRecordsAreCheckedAsOneStream() {
        let begin = FastCGIClient.record(type: 1, id: 1, content: [0, 1, 1, 0, 0, 0, 0, 0])
        let end = FastCGIClient.record(type: 4, id: 1, content: []) + FastCGIClient.record(type: 5, id: 1, content: [])
        // One pair, "AB" = "C", cut between its name and its value: well formed as a stream.
        let split =
            begin + FastCGIClient.record(type: 4, id: 1, content: [2, 1, 65, 66])
            + FastCGIClient.record(type: 4, id: 1, content: [67]) + end
        #expect(verdict(split) == .complete(length: split.count))
        // The same pair with its value missing from every record.
        let short =
            begin + FastCGIClient.record(type: 4, id: 1, content: [2, 1, 65])
            + FastCGIClient.record(type: 4, id: 1, content: [66]) + end
        guard case .invalid = verdict(short) else {
            Issue.record("a pair longer than the records' stream was not refused")
            return
        }
    }

    @Test(arguments: [UInt8(2), 3])
    func rolesOtherThanResponderAreRefused(role: UInt8) {
        let bytes = FastCGIClient.record(type: 1, id: 1, content: [0, role, 1, 0, 0, 0, 0, 0])
        guard case .invalid = verdict(bytes) else {
            Issue.record("role \(role) was not refused")
            return
        }
    }

    @Test func recordsForAnotherRequestAreRefused() {
        var bytes = request
        bytes[bytes.count - 8 + 3] = 2  // the final STDIN record now names request 2
        guard case .invalid = verdict(bytes) else {
            Issue.record("a second request id was not refused")
            return
        }
    }

    @Test func garbageIsRefused() {
        let bytes = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        guard case .invalid = verdict(bytes) else {
            Issue.record("HTTP bytes were not refused")
            return
        }
    }

    @Test func aBodyOverTheLimitIsReportedAsTooLargeWithWhereItStarts() {
        let bytes = FastCGIClient.requestRecords(
            params: FastCGIClient.nginxParams(),
            body: [UInt8](repeating: 7, count: 2000)
        )
        guard case let .bodyTooLarge(bodyStart) = verdict(bytes) else {
            Issue.record("the body was not reported as too large")
            return
        }
        #expect(bytes[bodyStart - 8 + 1] == 4 && bytes[bodyStart - 8 + 5] == 0, "the empty PARAMS record ends there")
        #expect(bytes[bodyStart + 1] == 5, "a STDIN record starts there")
    }

    @Test func parametersOverTheLimitAreReportedWithWhereTheyStart() {
        let bytes = FastCGIClient.requestRecords(params: [("X", String(repeating: "a", count: 5000))])
        #expect(verdict(Array(bytes.prefix(100))) == .paramsTooLarge(paramsStart: 16), "known from the header alone")
        #expect(verdict(bytes) == .paramsTooLarge(paramsStart: 16))
    }

    @Test func randomMutationsNeverTrapAndNeverClaimMoreThanIsBuffered() {
        var generator = SplitMix64(seed: 2026)
        for _ in 0..<20_000 {
            var bytes = request
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                guard !bytes.isEmpty else { break }
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes.removeSubrange(index..<min(bytes.count, index + Int.random(in: 1...8, using: &generator)))
                default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
                }
            }
            if case let .complete(length) = verdict(bytes) {
                #expect(length <= bytes.count)
            }
        }
    }
}

/// A small seeded generator, so that the random test is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
