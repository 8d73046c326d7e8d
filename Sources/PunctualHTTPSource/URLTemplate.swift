import Foundation

/// The `--url` of the HTTP source: an `http://` or `https://` URL in which every `{key}`
/// stands for the key asked for, percent-encoded.
///
/// It is checked once, at start, so that a typo fails with a clear message instead of
/// every retrieval failing later; the keys spliced in afterwards are percent-encoded and
/// cannot make it invalid.
///
/// ```swift
/// let template = try URLTemplate("https://api.example.com/quotes/{key}?fresh=1")
/// template.url(for: "EUR/USD")  // "https://api.example.com/quotes/EUR%2FUSD?fresh=1"
/// ```
public struct URLTemplate: Sendable, CustomStringConvertible {
    /// Why a `--url` is refused, said so that the operator can fix it.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let description: String

        init(_ description: String) {
            self.description = description
        }
    }

    /// The placeholder the key replaces.
    public static let placeholder = "{key}"

    /// The template as given.
    public let description: String
    /// Where it connects: "api.example.com:443", for messages.
    public let target: String
    /// The text around each placeholder.
    private let pieces: [String]

    /// Validates `template`: the scheme is `http` or `https`, there is a host, `{key}` is
    /// not in the scheme, host or port, and the URL parses once `{key}` is replaced.
    public init(_ template: String) throws(Invalid) {
        description = template
        pieces = template.components(separatedBy: Self.placeholder)
        let lowered = template.lowercased()
        guard let scheme = ["http://", "https://"].first(where: { lowered.hasPrefix($0) }) else {
            throw Invalid("--url must start with http:// or https://: \(template)")
        }
        let afterScheme = template.dropFirst(scheme.count)
        let authority = afterScheme.prefix { !"/?#".contains($0) }
        guard !authority.contains(Self.placeholder) else {
            throw Invalid("\(Self.placeholder) may stand only in the path or query of --url, not its host: \(template)")
        }
        let sample = pieces.joined(separator: "key")
        guard let parsed = URL(string: sample, encodingInvalidCharacters: false) else {
            throw Invalid("--url is not a valid URL once \(Self.placeholder) is replaced: \(sample)")
        }
        guard let host = parsed.host, !host.isEmpty else {
            throw Invalid("--url has no host: \(template)")
        }
        target = "\(host):\(parsed.port ?? (scheme == "https://" ? 443 : 80))"
    }

    /// The URL to GET for `key`: the template with every `{key}` replaced by the
    /// percent-encoded key.
    public func url(for key: String) -> String {
        pieces.joined(separator: Self.percentEncoded(key))
    }

    /// `text` with every UTF-8 byte outside RFC 3986's unreserved characters (letters,
    /// digits, `-`, `.`, `_`, `~`) written as `%XX`, so that a key holding `/`, `?`, `#`,
    /// `&` or a space stays one path segment or query value.
    public static func percentEncoded(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hexDigit(byte >> 4), hexDigit(byte & 0x0F)]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }
}
