import Retrieval

/// What a caller asks for in its request headers: `Prefer: wait=N` (RFC 7240 §4.3) and the
/// `Cache-Control` request directives of RFC 9111 §5.2.1, parsed per their grammar.
///
/// Anything malformed or unknown is ignored, never an error: the default behaviour applies.
struct ClientDirectives: Equatable {
    /// `Prefer: wait=N`, in seconds (fractions accepted).
    var wait: Double?
    var maxAge: Int?
    /// `max-stale=N`; `max-stale` alone is `maxStaleAny`.
    var maxStale: Int?
    var maxStaleAny = false
    var minFresh: Int?
    var noCache = false
    var onlyIfCached = false

    init(prefer: String?, cacheControl: String?) {
        for (name, value) in Self.list(prefer ?? "", spacesAroundEquals: true) where name == "wait" {
            if let value, let seconds = Double(value), seconds.isFinite, seconds >= 0, wait == nil {
                wait = seconds
            }
        }
        for (name, value) in Self.list(cacheControl ?? "", spacesAroundEquals: false) {
            switch name {
            case "max-age":
                if let seconds = value.flatMap(Self.deltaSeconds) { maxAge = min(maxAge ?? seconds, seconds) }
            case "max-stale":
                if let value {
                    if let seconds = Self.deltaSeconds(value) { maxStale = min(maxStale ?? seconds, seconds) }
                } else {
                    maxStaleAny = true
                }
            case "min-fresh":
                if let seconds = value.flatMap(Self.deltaSeconds) { minFresh = max(minFresh ?? seconds, seconds) }
            case "no-cache": noCache = true
            case "only-if-cached": onlyIfCached = true
            default: break  // unknown directives are ignored (RFC 9111 §5.2.3)
            }
        }
    }

    /// The engine's request: the deadline within `maxClientWait` (and the one applied, for
    /// `Preference-Applied`), the staleness the caller accepts.
    func request(maxClientWait: Duration) -> (request: RetrievalRequest, appliedWait: Duration?) {
        var request = RetrievalRequest()
        var applied: Duration?
        if let wait {
            applied = min(.seconds(wait), maxClientWait)
            request.deadline = applied
        }
        request.maxAge = maxAge.map { .seconds($0) }
        // `max-stale` with a value limits the fallback; alone, it accepts any age (within
        // the operator's --max-stale). The most restrictive of several wins.
        request.maxStale = maxStale.map { .seconds($0) }
        request.minFresh = minFresh.map { .seconds($0) }
        request.noCache = noCache
        request.onlyIfCached = onlyIfCached
        return (request, applied)
    }

    /// `delta-seconds` (RFC 9111 §1.2.2): digits only; too large is 2^31.
    static func deltaSeconds(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text).map { min($0, 1 << 31) } ?? (1 << 31)
    }

    /// A comma list of `name[=value]` items, names lowercased, values unquoted; an item's
    /// `;`-parameters (Prefer) are dropped. Prefer's grammar allows spaces around `=`
    /// (`BWS`); Cache-Control's does not, and an item with them is malformed.
    static func list(_ header: String, spacesAroundEquals: Bool) -> [(name: String, value: String?)] {
        var items: [(String, String?)] = []
        var index = header.startIndex
        func skipSpaces() {
            while index < header.endIndex, header[index] == " " || header[index] == "\t" {
                index = header.index(after: index)
            }
        }
        func token() -> String {
            let start = index
            while index < header.endIndex, Self.isTokenCharacter(header[index]) {
                index = header.index(after: index)
            }
            return String(header[start..<index])
        }
        func quoted() -> String? {
            guard index < header.endIndex, header[index] == "\"" else { return nil }
            index = header.index(after: index)
            var text = ""
            while index < header.endIndex {
                let character = header[index]
                index = header.index(after: index)
                if character == "\"" { return text }
                if character == "\\", index < header.endIndex {
                    text.append(header[index])
                    index = header.index(after: index)
                } else {
                    text.append(character)
                }
            }
            return nil  // unterminated
        }
        /// Skips to the next comma; true when only `;`-parameters (or nothing) came first.
        func skipToComma() -> Bool {
            let clean = index == header.endIndex || header[index] == "," || header[index] == ";"
            while index < header.endIndex, header[index] != "," {
                if header[index] == "\"" {
                    if quoted() == nil { return false }
                } else {
                    index = header.index(after: index)
                }
            }
            return clean
        }
        while index < header.endIndex {
            skipSpaces()
            let name = token().lowercased()
            if spacesAroundEquals { skipSpaces() }
            var value: String?
            var wellFormed = !name.isEmpty
            if index < header.endIndex, header[index] == "=" {
                index = header.index(after: index)
                if spacesAroundEquals { skipSpaces() }
                if index < header.endIndex, header[index] == "\"" {
                    value = quoted()
                    wellFormed = wellFormed && value != nil
                } else {
                    let text = token()
                    value = text
                    wellFormed = wellFormed && !text.isEmpty
                }
                skipSpaces()
            }
            wellFormed = skipToComma() && wellFormed
            if wellFormed { items.append((name, value)) }
            if index < header.endIndex { index = header.index(after: index) }  // the comma
        }
        return items
    }

    /// `tchar` (RFC 9110 §5.6.2); `.` is one, so `wait=0.2` reads as one token.
    private static func isTokenCharacter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        switch ascii {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(ascii)
        }
    }
}
