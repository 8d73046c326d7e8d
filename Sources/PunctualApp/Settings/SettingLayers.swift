/// The command line, the environment and the `--config` file, asked in that order: the
/// first that gives an option wins (flags over environment over file over defaults).
public struct SettingLayers: Sendable {
    /// What the command line gave, by long name (`"timeout": ["2"]`).
    let commandLine: [String: [String]]
    /// The process environment; only `PUNCTUAL_*` variables are read.
    let environment: [String: String]
    let file: ConfigFile?

    public init(commandLine: [String: [String]], environment: [String: String], file: ConfigFile?) {
        self.commandLine = commandLine.filter { !$0.value.isEmpty }
        self.environment = environment
        self.file = file
    }

    /// The `--config` path, from the command line or `PUNCTUAL_CONFIG`, if any.
    public static func configPath(
        commandLine: String?,
        environment: [String: String]
    ) -> (path: String, origin: SettingOrigin)? {
        if let commandLine { return (commandLine, .commandLine) }
        if let path = environment["PUNCTUAL_CONFIG"], !path.isEmpty {
            return (path, .environment(variable: "PUNCTUAL_CONFIG"))
        }
        return nil
    }

    /// The option `name` from the highest layer that gives it; nil leaves the default.
    ///
    /// An empty environment variable counts as unset, as systemd's `Environment=NAME=` means.
    func given(_ name: String) -> GivenSetting? {
        if let texts = commandLine[name] {
            return GivenSetting(name: name, texts: texts, origin: .commandLine)
        }
        let variable = SettingNames.environmentVariable(for: name)
        if let text = environment[variable], !text.isEmpty {
            let texts =
                SettingNames.repeatable.contains(name)
                ? text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init) : [text]
            return GivenSetting(name: name, texts: texts, origin: .environment(variable: variable))
        }
        return file?.given(name)
    }
}
