#if canImport(Glibc)
import Glibc
#endif

/// A crash on demand, for the tests that check a trapping worker is replaced: with
/// `--enable-test-crash`, SIGUSR2 makes the process trap as a Swift `fatalError` does.
/// Without the flag, SIGUSR2 keeps its default meaning, and nothing here is armed.
public enum TestCrashTrigger {
    /// Makes SIGUSR2 end this process with a Swift trap (SIGILL, after the runtime's
    /// crash report), like a failed precondition in the serving code.
    public static func armOnSIGUSR2() {
        _ = signal(SIGUSR2) { _ in
            fatalError("SIGUSR2 with --enable-test-crash: trapping on purpose")
        }
    }
}
