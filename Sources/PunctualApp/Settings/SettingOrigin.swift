/// Where a setting's value came from, so that a refusal names the place to fix.
///
/// The layers, highest first: the command line, the environment, the `--config` file,
/// the built-in default.
public enum SettingOrigin: Sendable, Equatable, Comparable {
    case defaultValue
    /// A line of the `--config` file.
    case file(path: String, line: Int)
    /// A `PUNCTUAL_*` environment variable.
    case environment(variable: String)
    case commandLine

    /// Which layer it is: a higher one wins.
    var rank: Int {
        switch self {
        case .defaultValue: 0
        case .file: 1
        case .environment: 2
        case .commandLine: 3
        }
    }

    public static func < (lhs: SettingOrigin, rhs: SettingOrigin) -> Bool { lhs.rank < rhs.rank }

    /// How a message shows the option `name` given as `text` here:
    /// `--timeout 0`, `PUNCTUAL_TIMEOUT=0 (environment, --timeout)`,
    /// `timeout = 0 (/etc/punctual.conf:3, --timeout)`.
    func show(_ name: String, _ text: String?) -> String {
        switch self {
        case .commandLine:
            return text.map { "--\(name) \($0)" } ?? "--\(name)"
        case let .environment(variable):
            return "\(variable)=\(text ?? "") (environment, --\(name))"
        case let .file(path, line):
            return "\(name) = \(text ?? "") (\(path):\(line), --\(name))"
        case .defaultValue:
            return "--\(name) (default)"
        }
    }
}
