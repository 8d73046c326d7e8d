/// How log lines are written (`--log-format`): one line per event, to stderr, where
/// journald, Docker and `2>>file` all collect it.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `time=2026-12-02T10:15:00.123Z level=info pid=4242 msg="…" key=value`: what
    /// humans read with `journalctl` and Loki, Grafana and `lnav` parse.
    case logfmt
    /// One JSON object per line, for log pipelines that want JSON.
    case json
}
