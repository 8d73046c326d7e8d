/// Every option that can be set from the command line, the environment and the
/// `--config` file, by its long name.
///
/// One list, so that the three stay the same set: the environment variable of `on-timeout`
/// is `PUNCTUAL_ON_TIMEOUT`, its line in the file `on-timeout = refresh`.
public enum SettingNames {
    /// Options with one value; the last three layers each give at most one.
    public static let single: [String] = [
        "socket", "socket-mode", "listen", "timeout", "on-timeout", "max-retrieval", "max-retrievals",
        "retry-after", "max-stale", "cache-entries", "source", "command", "url", "max-value-bytes",
        "keys", "cache-file", "delay", "delay-jitter", "max-body-bytes", "max-params-bytes", "io-threads",
        "max-client-wait", "fresh-for", "refresh-ahead",
        "log-level", "log-format",
    ]
    /// Options that may be given several times: the highest layer that gives any wins whole.
    public static let repeatable: [String] = ["arg"]
    /// Switches without a value: `true`/`false` (also `1`/`0`, `yes`/`no`) in the
    /// environment and the file.
    public static let flags: [String] = ["no-supervise"]

    static let all = Set(single + repeatable + flags)

    /// `PUNCTUAL_ON_TIMEOUT` for `on-timeout`; `PUNCTUAL_ARGS` (split at white space) for `arg`.
    public static func environmentVariable(for name: String) -> String {
        let base = "PUNCTUAL_" + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
        return repeatable.contains(name) ? base + "S" : base
    }
}
