/// A request's CGI parameters, in the order the web server sent them.
///
/// A request has a couple of dozen and a handler looks up a few, on every request: so they
/// are kept as libfcgi hands them over, `name=value` bytes back to back in one buffer with
/// one small index, and only the values looked up become `String`s. Two allocations per
/// request instead of two per parameter.
public struct CGIParams: Sendable, ExpressibleByDictionaryLiteral, Sequence {
    public typealias Element = (name: String, value: String)

    /// Where one parameter lies in `bytes`: its name from `start` to `equals`, its value
    /// after `equals` up to `end`.
    private struct Entry: Sendable {
        var start: Int
        var equals: Int
        var end: Int
    }

    private var bytes: [UInt8] = []
    private var entries: [Entry] = []

    public init(_ pairs: [Element]) {
        for pair in pairs {
            append(name: Array(pair.name.utf8), value: Array(pair.value.utf8))
        }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements.map { (name: $0.0, value: $0.1) })
    }

    /// Room for `count` parameters of `byteCount` bytes in all, before `appendEntry(_:)`.
    init(reservingCapacity count: Int, byteCount: Int) {
        bytes.reserveCapacity(byteCount)
        entries.reserveCapacity(count)
    }

    /// Adds one `name=value` entry as libfcgi holds it; one without `=` is ignored.
    mutating func appendEntry(_ entry: UnsafeBufferPointer<UInt8>) {
        guard let equals = entry.firstIndex(of: UInt8(ascii: "=")) else { return }
        let start = bytes.count
        bytes.append(contentsOf: entry)
        entries.append(Entry(start: start, equals: start + equals, end: bytes.count))
    }

    private mutating func append(name: [UInt8], value: [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: name)
        bytes.append(UInt8(ascii: "="))
        bytes.append(contentsOf: value)
        entries.append(Entry(start: start, equals: start + name.count, end: bytes.count))
    }

    /// The value of the first parameter called `name`.
    public subscript(name: String) -> String? {
        var name = name
        return name.withUTF8 { wanted in
            firstValue { $0.elementsEqual(wanted) }
        }
    }

    /// The value of the HTTP request header `name` (`"Cache-Control"`), which the web
    /// server passes as `HTTP_CACHE_CONTROL`: matched without building that name.
    public func header(_ name: String) -> String? {
        var name = name
        return name.withUTF8 { header in
            firstValue { candidate in
                guard candidate.count == header.count + 5, candidate.starts(with: Self.httpPrefix) else { return false }
                return zip(candidate.dropFirst(5), header).allSatisfy { stored, given in
                    stored == Self.parameterByte(forHeaderByte: given)
                }
            }
        }
    }

    private static let httpPrefix: [UInt8] = Array("HTTP_".utf8)

    /// How CGI spells a header name's byte: upper case, `-` as `_`.
    private static func parameterByte(forHeaderByte byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - 32
        case UInt8(ascii: "-"): UInt8(ascii: "_")
        default: byte
        }
    }

    private func firstValue(where matches: (ArraySlice<UInt8>) -> Bool) -> String? {
        for entry in entries where matches(bytes[entry.start..<entry.equals]) {
            return String(decoding: bytes[entry.equals + 1..<entry.end], as: UTF8.self)
        }
        return nil
    }

    public var count: Int { entries.count }

    public func makeIterator() -> [Element].Iterator {
        entries.map { entry in
            (
                name: String(decoding: bytes[entry.start..<entry.equals], as: UTF8.self),
                value: String(decoding: bytes[entry.equals + 1..<entry.end], as: UTF8.self)
            )
        }.makeIterator()
    }
}
