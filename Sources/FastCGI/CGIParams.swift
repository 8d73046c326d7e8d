/// A request's CGI parameters, in the order the web server sent them.
///
/// A request has a couple of dozen, and a handler looks up a few: a list searched in
/// order is cheaper to build than a hash table, and building it happens on every request.
public struct CGIParams: Sendable, ExpressibleByDictionaryLiteral, Sequence {
    public typealias Element = (name: String, value: String)

    private var pairs: [Element]

    public init(_ pairs: [Element]) {
        self.pairs = pairs
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        pairs = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The value of the first parameter called `name`.
    public subscript(name: String) -> String? {
        for pair in pairs where pair.name == name {
            return pair.value
        }
        return nil
    }

    public var count: Int { pairs.count }

    public func makeIterator() -> IndexingIterator<[Element]> {
        pairs.makeIterator()
    }
}
