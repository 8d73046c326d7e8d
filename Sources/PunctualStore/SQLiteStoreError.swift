/// Why the cache file cannot be used at all: the store opens anyway over a corrupt file
/// (it moves it aside), so this is only for a path where no usable file can be made.
public struct SQLiteStoreError: Error, CustomStringConvertible {
    /// The cache file's path, as given.
    public let path: String
    /// What went wrong, for the operator.
    public let reason: String

    init(path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cache file \(path): \(reason)" }
}
