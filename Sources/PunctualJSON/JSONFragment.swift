/// A JSON value, encoded once, when it is retrieved, and spliced into every answer
/// that serves it.
///
/// Sources produce different kinds of value (the simulation a number, later sources
/// text or a JSON document); caching the encoded form keeps answers cheap to build.
public struct JSONFragment: Sendable, Equatable, CustomStringConvertible {
    /// The UTF-8 bytes of one JSON value.
    public let bytes: [UInt8]

    /// A number. Swift prints the shortest text that reads back as the same `Double`.
    public init(number: Double) {
        precondition(number.isFinite, "JSON has no infinities or NaN")
        bytes = Array(number.description.utf8)
    }

    /// A string, escaped as JSON requires.
    public init(string: String) {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20: out += Array("\\u00\(byte < 0x10 ? "0" : "")\(String(byte, radix: 16))".utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        bytes = out
    }

    /// Bytes already known to be one JSON value (validated, or from a trusted store).
    public init(trustedBytes bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}
