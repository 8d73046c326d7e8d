import PunctualJSON
import Testing

@Suite struct JSONValidationTests {
    static let valid: [String] = [
        "0", "-0", "1", "-1", "12.5", "0.5", "-0.0", "1e5", "1E+5", "1e-5", "2.5E-3", "123456789012345678901234567890",
        "1.7976931348623157e308", "-1.7976931348623157e308", "1e-999", "0e999", "0.000e999", "10e307", "0.1e309",
        "true", "false", "null", #""""#, #""hello""#, #""\" \\ \/ \b \f \n \r \t""#, #""\u00e9\u00C9""#,
        #""\ud83d\ude00""#, #""\ud800""#, "\"caf\u{e9} \u{1F600} \u{7F}\"", "[]", "{}", "[1,2,3]", #"{"a":1}"#,
        #"{"a":{"b":[true,false,null,{"c":"d"}]},"e":[]}"#, "[ 1 , [ ] , { } ]", "{ \"a\" : [ { } ] }",
    ]

    static let invalid: [(document: String, reason: String)] = [
        ("", "no value (empty or only whitespace)"),
        ("  \n\t ", "no value (empty or only whitespace)"),
        ("01", "number with a leading zero at byte 1"),
        ("-01", "number with a leading zero at byte 2"),
        ("+1", "unexpected '+', expected a value at byte 0"),
        (".5", "unexpected '.', expected a value at byte 0"),
        ("1.", "a digit must follow '.' at byte 2"),
        ("-", "a digit must follow '-' at byte 1"),
        ("1e", "a digit must follow the exponent at byte 2"),
        ("1e+", "a digit must follow the exponent at byte 3"),
        ("NaN", "unexpected 'N', expected a value at byte 0"),
        ("Infinity", "unexpected 'I', expected a value at byte 0"),
        ("-Infinity", "a digit must follow '-' at byte 1"),
        ("1e999", "number too large for a Double at byte 0"),
        ("-1e400", "number too large for a Double at byte 0"),
        ("[1.8e308]", "number too large for a Double at byte 1"),
        ("tru", "invalid literal, expected true at byte 0"),
        ("nul", "invalid literal, expected null at byte 0"),
        ("True", "unexpected 'T', expected a value at byte 0"),
        ("1 2", "unexpected '2' after the value at byte 2"),
        ("{} []", "unexpected '[' after the value at byte 3"),
        ("[1,]", "unexpected ']', expected a value at byte 3"),
        ("[1 2]", "unexpected '2', expected ',' or ']' at byte 3"),
        ("[", "unexpected end of input, expected a value at byte 1"),
        ("[1", "unexpected end of input, expected ',' or ']' at byte 2"),
        (#"{"a":1"#, "unexpected end of input, expected ',' or '}' at byte 6"),
        (#"{"a" 1}"#, "unexpected '1', expected ':' at byte 5"),
        (#"{"a":}"#, "unexpected '}', expected a value at byte 5"),
        (#"{"a":1,}"#, "unexpected '}', expected a string key at byte 7"),
        ("{1:2}", "unexpected '1', expected a string key at byte 1"),
        ("{'a':1}", "unexpected ''', expected a string key at byte 1"),
        ("]", "unexpected ']', expected a value at byte 0"),
        (#""abc"#, "unterminated string at byte 0"),
        (#"["abc]"#, "unterminated string at byte 1"),
        (#""\x""#, "invalid escape \\'x' at byte 1"),
        (#""\u12""#, "invalid \\u escape, expected four hexadecimal digits at byte 1"),
        (#""\u12G4""#, "invalid \\u escape, expected four hexadecimal digits at byte 1"),
        ("\"\\", "unterminated escape at byte 1"),
        ("\"a\nb\"", "control character byte 0x0a in a string at byte 2"),
        ("\"\t\"", "control character byte 0x09 in a string at byte 1"),
        ("\"\u{0}\"", "control character byte 0x00 in a string at byte 1"),
    ]

    @Test("Valid documents are accepted and kept byte for byte", arguments: valid)
    func acceptsValidDocuments(_ document: String) throws {
        let fragment = try JSONFragment(validating: Array(document.utf8))
        #expect(fragment.bytes == Array(document.utf8))
    }

    @Test("Invalid documents are refused with the reason and the byte offset", arguments: invalid)
    func refusesInvalidDocuments(_ document: String, reason: String) {
        #expect(throws: JSONFragment.Invalid(reason)) {
            try JSONFragment(validating: Array(document.utf8))
        }
    }

    @Test("Surrounding whitespace is trimmed and the value kept unchanged")
    func trimsSurroundingWhitespace() throws {
        let fragment = try JSONFragment(validating: Array(" \r\n\t{ \"a\" : [1, 2] }\n\n".utf8))
        #expect(fragment.bytes == Array("{ \"a\" : [1, 2] }".utf8))
        #expect(try JSONFragment(validating: Array("42\n".utf8)).bytes == Array("42".utf8))
    }

    @Test("A validated fragment can come from any collection of bytes")
    func acceptsAnyCollection() throws {
        let bytes: ArraySlice<UInt8> = Array("xx[true]xx".utf8)[2..<8]
        #expect(try JSONFragment(validating: bytes).bytes == Array("[true]".utf8))
    }

    @Test("Nesting up to the limit is accepted, one level deeper is refused without a crash")
    func limitsNestingDepth() throws {
        let depth = JSONFragment.maximumNestingDepth
        let deepest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try JSONFragment(validating: Array(deepest.utf8)).bytes.count == 2 * depth)
        let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(try JSONFragment(validating: Array(objects.utf8)).bytes.count == objects.utf8.count)

        #expect(throws: JSONFragment.Invalid("nesting deeper than \(depth) at byte \(depth)")) {
            try JSONFragment(validating: Array(String(repeating: "[", count: depth + 1).utf8))
        }
        // A million opening brackets: refused at the limit, no stack overflow.
        #expect(throws: JSONFragment.Invalid("nesting deeper than \(depth) at byte \(depth)")) {
            try JSONFragment(validating: [UInt8](repeating: UInt8(ascii: "["), count: 1 << 20))
        }
    }

    @Test(
        "Raw bytes in strings must be valid UTF-8",
        arguments: [
            [0x80], [0xC0, 0xAF], [0xC1, 0xBF], [0xC3], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
            [0xF0, 0x8F, 0xBF, 0xBF],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xE2, 0x82], [0xE2, 0x28, 0xA1],
        ] as [[UInt8]]
    )
    func refusesInvalidUTF8(_ sequence: [UInt8]) {
        let document = Array("\"ab".utf8) + sequence + Array("\"".utf8)
        #expect(throws: JSONFragment.Invalid("invalid UTF-8 at byte 3")) {
            try JSONFragment(validating: document)
        }
    }

    @Test("Valid multi-byte UTF-8 at the edges of each range is accepted")
    func acceptsValidUTF8() throws {
        let sequences: [[UInt8]] = [
            [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF],
            [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
        ]
        for sequence in sequences {
            let document = [UInt8(ascii: "\"")] + sequence + [UInt8(ascii: "\"")]
            #expect(try JSONFragment(validating: document).bytes == document)
        }
    }

    @Test("Non-ASCII bytes outside strings are refused")
    func refusesBytesOutsideStrings() {
        #expect(throws: JSONFragment.Invalid("unexpected byte 0xc3, expected a value at byte 0")) {
            try JSONFragment(validating: Array("é".utf8))
        }
    }

    @Test("A 1 MiB document is validated whole", .timeLimit(.minutes(1)))
    func validatesAMebibyteDocument() throws {
        var document = Array("[".utf8)
        let element = Array(
            #"{"id":12345,"name":"caf\u00e9 \#u{1F600}","score":-1.25e-3,"tags":[true,false,null]},"#.utf8
        )
        while document.count + element.count < 1 << 20 { document += element }
        document += Array(#""end"]"#.utf8)
        // Linear and allocation-free per byte: well within the time limit even in a debug build.
        let fragment = try JSONFragment(validating: document)
        #expect(fragment.bytes == document)
        #expect(document.count > 1_000_000)

        var broken = document
        broken[broken.count - 3] = 0x01
        #expect(throws: JSONFragment.Invalid("control character byte 0x01 in a string at byte \(broken.count - 3)")) {
            try JSONFragment(validating: broken)
        }
    }
}
