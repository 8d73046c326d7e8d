import CPunctualProcess

#if canImport(Glibc)
import Glibc
#endif

/// Starts the named OS thread the supervisor's loop runs on: it waits in `poll` and
/// `waitpid`, which must never happen on Swift's cooperative pool.
enum SupervisorThread {
    /// Runs `body` on a new detached thread called `name` (at most 15 bytes show in `top`).
    static func spawn(name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Box(name: name, body: body))
        var thread = pthread_t()
        let result = pthread_create(
            &thread,
            nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                _ = punctual_set_thread_name(String(box.name.prefix(15)))
                box.body()
                return nil
            },
            box.toOpaque()
        )
        guard result == 0 else {
            box.release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    private final class Box: Sendable {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}
