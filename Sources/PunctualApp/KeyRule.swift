/// Which `?key=` values the endpoint accepts (`--keys`).
///
/// Every key costs an entry and a retrieval: an operator whose data has a known key space
/// (ticker symbols, ids) refuses the rest with a 400 before anything is looked up. The
/// default key (no `key=`) is always accepted.
public enum KeyRule: Sendable, CustomStringConvertible {
    /// Any key of 1 to 256 bytes of UTF-8 (the default).
    case any
    /// Only the default key.
    case none
    /// Keys that the regular expression matches whole.
    case matching(pattern: String, KeyPattern)

    /// Parses `any`, `none`, or a regular expression (refused if it does not compile).
    public init(parsing text: String) throws(KeyPattern.Invalid) {
        switch text {
        case "any": self = .any
        case "none": self = .none
        default: self = .matching(pattern: text, try KeyPattern(text))
        }
    }

    /// Whether `key` may be asked for.
    func allows(_ key: String) -> Bool {
        if key == RetrievalKey.defaultKey { return true }
        switch self {
        case .any: return true
        case .none: return false
        case .matching(_, let pattern): return pattern.matchesWhole(key)
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .none: "none"
        case .matching(let pattern, _): pattern
        }
    }
}

/// A compiled `--keys` regular expression.
public struct KeyPattern: @unchecked Sendable {
    // `Regex` is not declared Sendable, but matching only reads the compiled program;
    // this struct never mutates it after init.
    private let regex: Regex<AnyRegexOutput>

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    init(_ pattern: String) throws(Invalid) {
        do {
            regex = try Regex(pattern)
        } catch {
            throw Invalid(description: "not a regular expression: \(error)")
        }
    }

    func matchesWhole(_ key: String) -> Bool {
        (try? regex.wholeMatch(in: key)) != nil
    }
}
