/// A setting refused at start: which option, given where, and what is wrong with it.
///
/// Values are refused, never clamped: a deadline of `-1` is a typo to fix, not a
/// deadline of zero.
public struct SettingError: Error, CustomStringConvertible, Equatable {
    /// The highest layer involved: a command-line mistake is a usage error (exit 64),
    /// one in the environment or the file is a configuration error (exit 78).
    public let origin: SettingOrigin
    public let description: String

    init(origin: SettingOrigin, _ description: String) {
        self.origin = origin
        self.description = description
    }

    /// `--timeout 0: must be a positive number of seconds`.
    init(_ given: GivenSetting, _ problem: String) {
        self.init(origin: given.origin, "\(given.shown): \(problem)")
    }
}
