/// The 8-byte header that opens every FastCGI record (the specification's section 3.3):
/// read by `RecordScanner` in the requests the web server sends, and by `FramingFile` in
/// the answers libfcgi frames.
struct RecordHeader {
    static let length = 8
    static let version: UInt8 = 1

    /// Record types this server reads or writes.
    enum Kind {
        static let beginRequest: UInt8 = 1
        static let endRequest: UInt8 = 3
        static let params: UInt8 = 4
        static let stdin: UInt8 = 5
    }

    let version: UInt8
    let type: UInt8
    let requestID: UInt16
    let contentLength: Int
    let paddingLength: Int

    /// The header at `offset`, which must leave `length` bytes in `bytes`.
    init(in bytes: UnsafeRawBufferPointer, at offset: Int) {
        version = bytes[offset]
        type = bytes[offset + 1]
        requestID = UInt16(bytes[offset + 2]) << 8 | UInt16(bytes[offset + 3])
        contentLength = Int(bytes[offset + 4]) << 8 | Int(bytes[offset + 5])
        paddingLength = Int(bytes[offset + 6])
    }

    /// The whole record's length: this header, its content and its padding.
    var recordLength: Int { Self.length + contentLength + paddingLength }
}
