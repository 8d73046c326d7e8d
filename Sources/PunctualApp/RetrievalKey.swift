/// The cache key of a request: `?key=K`, or the default key when there is none.
///
/// Keys arrive percent-encoded in the query string (`+` stands for a space, as in
/// forms). A key must decode to 1 to 256 bytes of valid UTF-8.
enum RetrievalKey {
    /// The key of requests without `key=`: the recipe's single value.
    static let defaultKey = ""
    static let maxBytes = 256

    enum Problem: Error, Equatable {
        case malformedEscape
        case notUTF8
        case empty
        case tooLong
    }

    /// The key named in `query` (the first `key=`), or the default key.
    static func parse(query: String) -> Result<String, Problem> {
        for parameter in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            guard parameter.starts(with: "key=".utf8) else {
                if parameter.elementsEqual("key".utf8) { return .failure(.empty) }
                continue
            }
            return decode(parameter.dropFirst(4))
        }
        return .success(defaultKey)
    }

    private static func decode(_ encoded: Substring.UTF8View) -> Result<String, Problem> {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let byte = encoded[index]
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                let high = encoded.index(after: index)
                guard high < encoded.endIndex, encoded.index(after: high) < encoded.endIndex,
                    let h = hexValue(encoded[high]), let l = hexValue(encoded[encoded.index(after: high)])
                else { return .failure(.malformedEscape) }
                bytes.append(h << 4 | l)
                index = encoded.index(after: high)
            default:
                bytes.append(byte)
            }
            index = encoded.index(after: index)
            guard bytes.count <= maxBytes else { return .failure(.tooLong) }
        }
        guard !bytes.isEmpty else { return .failure(.empty) }
        guard let key = String(validating: bytes, as: UTF8.self) else { return .failure(.notUTF8) }
        return .success(key)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension RetrievalKey.Problem: CustomStringConvertible {
    var description: String {
        switch self {
        case .malformedEscape: "key has a malformed percent-escape"
        case .notUTF8: "key is not valid UTF-8"
        case .empty: "key must not be empty"
        case .tooLong: "key is longer than \(RetrievalKey.maxBytes) bytes"
        }
    }
}
