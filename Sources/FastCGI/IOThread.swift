import CPunctualFCGI

#if canImport(Glibc)
import Glibc
#endif

/// Starts a named OS thread for blocking work, which must never run on Swift's
/// cooperative pool (it has one thread per core, and a blocked one starves every task).
enum IOThread {
    /// Runs `body` on a new detached thread called `name` (at most 15 bytes show in `top`).
    static func spawn(name: String, _ body: @escaping @Sendable () -> Void) throws(SystemError) {
        let box = Unmanaged.passRetained(Box(name: name, body: body))
        var thread = pthread_t()
        let result = pthread_create(
            &thread,
            nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                _ = pthread_setname_np(pthread_self(), String(box.name.prefix(15)))
                box.body()
                return nil
            },
            box.toOpaque()
        )
        guard result == 0 else {
            box.release()
            throw SystemError("pthread_create", code: result)
        }
        pthread_detach(thread)
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
