/// One option's value as it was given, with where it was given.
public struct GivenSetting: Sendable, Equatable {
    /// The option's long name, without dashes: `timeout`, `on-timeout`.
    public let name: String
    /// The text as given; several for a repeatable option (`arg`).
    public let texts: [String]
    public let origin: SettingOrigin

    /// The single text of a non-repeatable option.
    var text: String { texts.first ?? "" }

    /// `--timeout 0`, `PUNCTUAL_TIMEOUT=0 (environment, --timeout)`, …
    var shown: String {
        origin.show(name, texts.count == 1 ? text : texts.joined(separator: " "))
    }
}
