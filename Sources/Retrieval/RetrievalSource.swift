/// Where a key's value comes from: the slow retrieval the engine races against a deadline.
///
/// The engine calls `retrieve(_:)` in a task of its own, at most once per key at a time,
/// and cancels that task when nobody waits for the answer any more (or its budget runs
/// out). A source should then stop promptly and throw; one that does not is still given
/// up on at every caller's deadline, but it keeps its `maxConcurrentRetrievals` slot until
/// it really returns.
///
/// ```swift
/// struct QuoteSource: RetrievalSource {
///     func retrieve(_ key: String) async throws -> Quote { try await api.quote(for: key) }
/// }
/// ```
public protocol RetrievalSource<Key, Value>: Sendable {
    associatedtype Key: Hashable & Sendable
    associatedtype Value: Sendable

    /// The current value for `key`. Throws on failure, and when the task is cancelled.
    /// It must never block its thread: it may run on a server's I/O thread.
    func retrieve(_ key: Key) async throws -> Value
}

/// A source made of a closure, for tests and small programs.
public struct ClosureSource<Key: Hashable & Sendable, Value: Sendable>: RetrievalSource {
    private let body: @Sendable (Key) async throws -> Value

    public init(_ body: @escaping @Sendable (Key) async throws -> Value) {
        self.body = body
    }

    public func retrieve(_ key: Key) async throws -> Value {
        try await body(key)
    }
}
