extension JSONFragment {
    /// Why bytes from a source are not one JSON value.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        /// What is wrong, and near which byte: "unterminated string at byte 12".
        public let reason: String

        public init(_ reason: String) {
            self.reason = reason
        }

        public var description: String { "not a JSON value: \(reason)" }
    }

    /// How deeply arrays and objects may nest. Deeper documents are refused rather than
    /// risk the stack (of this validator or of whoever parses the answer).
    public static let maximumNestingDepth = 512

    /// Validates `bytes` as exactly one JSON value (RFC 8259), surrounding whitespace
    /// allowed, and keeps it as it came (trimmed), to be written through unchanged.
    ///
    /// A source's output is checked once, when it lands, so every answer can splice it
    /// without re-encoding; a number too large for a `Double` (`1e999`) is refused, as
    /// JSON has no infinities. Raw bytes in strings must be valid UTF-8; `\uXXXX` escapes
    /// are taken as RFC 8259 defines them (a lone surrogate escape is accepted). The scan is
    /// iterative and linear, so a deep or large document costs neither stack nor time.
    public init(validating bytes: some Collection<UInt8>) throws(Invalid) {
        let input = Array(bytes)
        let range = try input.withUnsafeBufferPointer { buffer throws(Invalid) in
            var validator = JSONValidator(buffer)
            return try validator.validateDocument()
        }
        self.init(trustedBytes: range.count == input.count ? input : Array(input[range]))
    }
}

/// One pass over a document: a cursor, and the stack of open containers (true for an object).
private struct JSONValidator {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var containers: [Bool] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The range of the value, without the surrounding whitespace.
    mutating func validateDocument() throws(JSONFragment.Invalid) -> Range<Int> {
        skipWhitespace()
        guard index < bytes.count else { throw JSONFragment.Invalid("no value (empty or only whitespace)") }
        let start = index
        try validateValues()
        let end = index
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected \(describe(bytes[index])) after the value") }
        return start..<end
    }

    /// Values, with the containers' punctuation between them, until the outermost ends.
    private mutating func validateValues() throws(JSONFragment.Invalid) {
        while true {
            try validateValueStart()
            // After a value: close containers, or move on to the next member or element.
            while let isObject = containers.last {
                skipWhitespace()
                let byte = try next(expecting: isObject ? "',' or '}'" : "',' or ']'")
                if byte == UInt8(ascii: ",") {
                    if isObject { try validateKey() }
                    break
                }
                guard byte == UInt8(ascii: isObject ? "}" : "]") else {
                    index -= 1
                    throw failure("unexpected \(describe(byte)), expected \(isObject ? "',' or '}'" : "',' or ']'")")
                }
                containers.removeLast()
            }
            if containers.isEmpty { return }
        }
    }

    /// One scalar, or the opening of a container (and its first key, for an object).
    private mutating func validateValueStart() throws(JSONFragment.Invalid) {
        while true {
            skipWhitespace()
            let byte = try next(expecting: "a value")
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard containers.count < JSONFragment.maximumNestingDepth else {
                    index -= 1
                    throw failure("nesting deeper than \(JSONFragment.maximumNestingDepth)")
                }
                let isObject = byte == UInt8(ascii: "{")
                containers.append(isObject)
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: isObject ? "}" : "]") {
                    index += 1
                    containers.removeLast()
                    return
                }
                // An object's first key; then its first value, or an array's first element.
                if isObject { try validateKey() }
            case UInt8(ascii: "\""): return try validateString(openedAt: index - 1)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try validateNumber(from: index - 1)
            case UInt8(ascii: "t"): return try validateLiteral("true")
            case UInt8(ascii: "f"): return try validateLiteral("false")
            case UInt8(ascii: "n"): return try validateLiteral("null")
            default:
                index -= 1
                throw failure("unexpected \(describe(byte)), expected a value")
            }
        }
    }

    /// `"name" :`, before each value in an object.
    private mutating func validateKey() throws(JSONFragment.Invalid) {
        skipWhitespace()
        let byte = try next(expecting: "a string key")
        guard byte == UInt8(ascii: "\"") else {
            index -= 1
            throw failure("unexpected \(describe(byte)), expected a string key")
        }
        try validateString(openedAt: index - 1)
        skipWhitespace()
        let colon = try next(expecting: "':'")
        guard colon == UInt8(ascii: ":") else {
            index -= 1
            throw failure("unexpected \(describe(colon)), expected ':'")
        }
    }

    private mutating func validateLiteral(_ word: StaticString) throws(JSONFragment.Invalid) {
        let start = index - 1
        let count = word.utf8CodeUnitCount
        guard bytes.count - start >= count,
            (0..<count).allSatisfy({ bytes[start + $0] == word.utf8Start[$0] })
        else {
            index = start
            throw failure("invalid literal, expected \(word)")
        }
        index = start + count
    }

    /// A string whose opening quote is at `start`: escapes, no control characters, valid UTF-8.
    private mutating func validateString(openedAt start: Int) throws(JSONFragment.Invalid) {
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return
            case UInt8(ascii: "\\"):
                try validateEscape()
            case 0..<0x20:
                throw failure("control character \(describe(byte)) in a string")
            case 0x80...:
                try validateUTF8Sequence()
            default:
                index += 1
            }
        }
        index = start
        throw failure("unterminated string")
    }

    private mutating func validateEscape() throws(JSONFragment.Invalid) {
        let start = index
        guard index + 1 < bytes.count else { throw failure("unterminated escape") }
        switch bytes[index + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 2
        case UInt8(ascii: "u"):
            guard bytes.count - index >= 6, (2..<6).allSatisfy({ isHexDigit(bytes[start + $0]) }) else {
                throw failure("invalid \\u escape, expected four hexadecimal digits")
            }
            index += 6
        default:
            throw failure("invalid escape \\\(describe(bytes[index + 1]))")
        }
    }

    /// One multi-byte UTF-8 sequence (Unicode table 3-7: no overlong forms, no surrogates).
    private mutating func validateUTF8Sequence() throws(JSONFragment.Invalid) {
        let lead = bytes[index]
        let length: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            second = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            second = 0x80...0x9F
        case 0xF0:
            length = 4
            second = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            second = 0x80...0x8F
        default: throw failure("invalid UTF-8")
        }
        guard bytes.count - index >= length, second.contains(bytes[index + 1]),
            (2..<length).allSatisfy({ (0x80...0xBF).contains(bytes[index + $0]) })
        else { throw failure("invalid UTF-8") }
        index += length
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, finite as a `Double`.
    private mutating func validateNumber(from start: Int) throws(JSONFragment.Invalid) {
        index = start
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a digit must follow '-'") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw failure("number with a leading zero") }
        } else {
            skipDigits()
        }
        let integerDigits = index - integerStart
        // The decimal exponent of the first significant digit; nil while every digit is zero.
        var magnitude: Int? = bytes[integerStart] == UInt8(ascii: "0") ? nil : integerDigits - 1
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a digit must follow '.'") }
            skipDigits()
            if magnitude == nil, let first = (fractionStart..<index).first(where: { bytes[$0] != UInt8(ascii: "0") }) {
                magnitude = fractionStart - first - 1
            }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var negative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                negative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a digit must follow the exponent") }
            var exponent = 0
            while index < bytes.count, isDigit(bytes[index]) {
                exponent = min(exponent * 10 + Int(bytes[index] - UInt8(ascii: "0")), 100_000_000)
                index += 1
            }
            magnitude = magnitude.map { $0 + (negative ? -exponent : exponent) }
        }
        // Below 10^308 every number is finite; from 10^309 none is; in between, ask Double.
        guard let magnitude, magnitude >= 308 else { return }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if magnitude > 308 || !(Double(text)?.isFinite ?? false) {
            index = start
            throw failure("number too large for a Double")
        }
    }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }

    /// The byte at the cursor, consumed; the end of input is an error.
    private mutating func next(expecting what: String) throws(JSONFragment.Invalid) -> UInt8 {
        guard index < bytes.count else { throw failure("unexpected end of input, expected \(what)") }
        index += 1
        return bytes[index - 1]
    }

    private func failure(_ reason: String) -> JSONFragment.Invalid {
        JSONFragment.Invalid("\(reason) at byte \(index)")
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte)
            ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(byte < 0x10 ? "0" : "")\(String(byte, radix: 16))"
    }

    private func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
    }
}
