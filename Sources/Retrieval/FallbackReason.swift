/// Why an answer did not come fresh from the source.
///
/// Callers log it and may show it (a stale answer because the source was slow reads
/// differently from one because the source failed), but both are answered the same way:
/// with the last good value, if there is one.
public enum FallbackReason: Sendable {
    /// The source was still running at the deadline; it has been cancelled.
    case timeout
    /// The source threw before the deadline.
    case error(any Error)
}
