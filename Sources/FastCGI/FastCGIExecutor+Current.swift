#if canImport(Glibc)
import Glibc
#endif

extension FastCGIExecutor {
    /// The executor whose I/O thread is running this code; nil on any other thread.
    ///
    /// With several I/O threads, work a request starts (a retrieval, a deadline) should
    /// stay on the thread of that request: this says which one it is.
    public static var current: FastCGIExecutor? {
        guard let raw = pthread_getspecific(CurrentExecutorKey.key) else { return nil }
        return Unmanaged<FastCGIExecutor>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Makes `self` the current executor of the calling thread (an I/O thread, for the
    /// whole of its life: the server keeps the executor alive longer).
    func becomeCurrent() {
        pthread_setspecific(CurrentExecutorKey.key, Unmanaged.passUnretained(self).toOpaque())
    }
}

/// The thread-specific slot that holds each I/O thread's executor.
private enum CurrentExecutorKey {
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}
