/// Checks that a whole, well-formed FastCGI request is waiting in a connection's buffer
/// before libfcgi reads it.
///
/// libfcgi's reads block, and it trusts the lengths it is sent (two of its parsing bugs
/// abort the process). Scanning the bytes first, without consuming them, means libfcgi
/// only ever reads a complete request that is already buffered, so a peer that sends half
/// a request and stalls costs nothing but its own connection, and malformed records never
/// reach libfcgi at all.
///
/// The accepted shape is exactly what a web server sends a responder: `BEGIN_REQUEST`
/// (role `RESPONDER`), `PARAMS` records ending with an empty one, `STDIN` records ending
/// with an empty one, all for one request id. Management records (`GET_VALUES`), other
/// roles, multiplexing and anything else are refused.
struct RecordScanner {
    enum Verdict: Equatable {
        /// A complete request of `length` bytes is buffered.
        case complete(length: Int)
        /// More bytes are needed: at least `needed`, all of which belong to this request
        /// (the rest of the current record and the next header), so that reading exactly
        /// that many never takes a byte of whatever follows.
        case incomplete(needed: Int)
        /// The body would exceed the limit; the STDIN records start at `bodyStart`.
        case bodyTooLarge(bodyStart: Int)
        /// The parameters would exceed the limit; they start at `paramsStart`, right after
        /// BEGIN_REQUEST.
        case paramsTooLarge(paramsStart: Int)
        /// Not a request this server will read: close the connection.
        case invalid(String)
    }

    /// The most parameter bytes (names, values and their lengths) accepted in one request.
    var maxParamsBytes: Int
    /// The most body bytes accepted in one request.
    var maxBodyBytes: Int

    private static let headerLength = RecordHeader.length
    private static let beginRequest = RecordHeader.Kind.beginRequest
    private static let params = RecordHeader.Kind.params
    private static let stdin = RecordHeader.Kind.stdin
    private static let responderRole: UInt16 = 1

    /// Scans `bytes`, the start of what the connection has buffered (or, for a request
    /// read record by record, all of it read so far).
    func scan(_ bytes: UnsafeRawBufferPointer) -> Verdict {
        var offset = 0
        var requestID: UInt16 = 0
        var stage = Stage.begin
        var paramsLength = 0
        var bodyLength = 0
        // Where the parameters lie when they came in one record (as from nginx): checked
        // in place. Only parameters split over several records are copied together.
        var paramsRecord: Range<Int>?
        var paramsBytes: [UInt8] = []
        var paramsStart = 0
        var bodyStart = 0

        while true {
            guard bytes.count - offset >= Self.headerLength else {
                return .incomplete(needed: offset + Self.headerLength - bytes.count)
            }
            let header = RecordHeader(in: bytes, at: offset)
            let (version, type, id, contentLength) = (
                header.version, header.type, header.requestID, header.contentLength
            )
            let contentStart = offset + Self.headerLength
            let recordEnd = offset + header.recordLength
            // Every record but the final empty STDIN is followed by another header.
            let isLast = stage == .body && type == Self.stdin && contentLength == 0
            let incomplete = Verdict.incomplete(needed: recordEnd - bytes.count + (isLast ? 0 : Self.headerLength))

            guard version == RecordHeader.version else { return .invalid("unsupported FastCGI version \(version)") }
            if stage == .begin {
                guard type == Self.beginRequest else {
                    return .invalid("expected BEGIN_REQUEST, got record type \(type)")
                }
                guard id != 0 else { return .invalid("BEGIN_REQUEST with request id 0") }
                guard contentLength == 8 else { return .invalid("BEGIN_REQUEST of \(contentLength) bytes") }
                requestID = id
            } else {
                guard id == requestID else { return .invalid("record for request \(id) inside request \(requestID)") }
            }

            switch (stage, type) {
            case (.begin, _):
                if bytes.count >= contentStart + 2 {
                    let role = UInt16(bytes[contentStart]) << 8 | UInt16(bytes[contentStart + 1])
                    guard role == Self.responderRole else { return .invalid("role \(role) is not RESPONDER") }
                }
                guard bytes.count >= recordEnd else { return incomplete }
                stage = .params
                paramsStart = recordEnd
            case (.params, Self.params):
                paramsLength += contentLength
                guard paramsLength <= maxParamsBytes else { return .paramsTooLarge(paramsStart: paramsStart) }
                guard bytes.count >= recordEnd else { return incomplete }
                if contentLength == 0 {
                    let wellFormed =
                        if let paramsRecord, paramsBytes.isEmpty {
                            Self.pairsAreWellFormed(bytes[paramsRecord])
                        } else {
                            Self.pairsAreWellFormed(paramsBytes)
                        }
                    guard wellFormed else { return .invalid("malformed parameter lengths") }
                    stage = .body
                    bodyStart = recordEnd
                } else if let earlier = paramsRecord {
                    if paramsBytes.isEmpty { paramsBytes.append(contentsOf: bytes[earlier]) }
                    paramsBytes.append(contentsOf: bytes[contentStart..<(contentStart + contentLength)])
                } else {
                    paramsRecord = contentStart..<(contentStart + contentLength)
                }
            case (.body, Self.stdin):
                bodyLength += contentLength
                guard bodyLength <= maxBodyBytes else { return .bodyTooLarge(bodyStart: bodyStart) }
                guard bytes.count >= recordEnd else { return incomplete }
                if contentLength == 0 { return .complete(length: recordEnd) }
            default:
                return .invalid("unexpected record type \(type)")
            }
            offset = recordEnd
        }
    }

    private enum Stage { case begin, params, body }

    /// Whether the name-value pairs fill the parameter stream exactly, every length
    /// within it. (A length that points past the stream is how CVE-2025-23016 is reached.)
    static func pairsAreWellFormed<Stream: RandomAccessCollection<UInt8>>(_ stream: Stream) -> Bool
    where Stream.Index == Int {
        var index = stream.startIndex
        func length() -> Int? {
            guard index < stream.endIndex else { return nil }
            if stream[index] & 0x80 == 0 {
                defer { index += 1 }
                return Int(stream[index])
            }
            guard stream.endIndex - index >= 4 else { return nil }
            defer { index += 4 }
            return Int(stream[index] & 0x7F) << 24 | Int(stream[index + 1]) << 16
                | Int(stream[index + 2]) << 8 | Int(stream[index + 3])
        }
        while index < stream.endIndex {
            guard let nameLength = length(), let valueLength = length() else { return false }
            guard nameLength > 0, stream.endIndex - index >= nameLength + valueLength else { return false }
            index += nameLength + valueLength
        }
        return true
    }
}
