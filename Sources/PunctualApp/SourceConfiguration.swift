/// Where values come from (`--source`), with what each kind needs.
public enum SourceConfiguration: Sendable, CustomStringConvertible {
    /// The recipe's simulation: a random number after `delay` plus a random share of `jitter`.
    case simulated(delay: Duration, jitter: Duration)
    /// A program run directly (no shell) per retrieval; its standard output is the value.
    case command(executable: String, arguments: [String])
    /// A GET of `urlTemplate` with `{key}` replaced by the percent-encoded key.
    case http(urlTemplate: String)

    public var description: String {
        switch self {
        case .simulated(let delay, let jitter): "simulated (delay \(delay), jitter \(jitter))"
        case .command(let executable, let arguments): "command \([executable] + arguments)"
        case .http(let urlTemplate): "http \(urlTemplate)"
        }
    }
}
