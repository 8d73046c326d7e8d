import CPunctualFCGI

#if canImport(Glibc)
import Glibc
#endif

/// A thin owner of an epoll instance, used by the I/O thread only.
final class Epoll {
    /// One readiness report: the registration's token and the epoll flags.
    struct Event {
        let token: UInt64
        let flags: UInt32
    }

    let fd: Int32
    private let events: UnsafeMutableBufferPointer<epoll_event>

    init(capacity: Int = 256) throws(SystemError) {
        fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw SystemError("epoll_create1") }
        events = .allocate(capacity: capacity)
    }

    deinit {
        events.deallocate()
        Glibc.close(fd)
    }

    /// Flags for a connection: readable, peer hang-up, edge-triggered (a buffered partial
    /// request is re-examined only when more bytes arrive, or by the idle sweep).
    static let connectionFlags = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue

    func add(_ descriptor: Int32, token: UInt64, flags: UInt32) throws(SystemError) {
        var event = epoll_event()
        event.events = flags
        event.data.u64 = token
        guard epoll_ctl(fd, EPOLL_CTL_ADD, descriptor, &event) == 0 else { throw SystemError("epoll_ctl(ADD)") }
    }

    func modify(_ descriptor: Int32, token: UInt64, flags: UInt32) {
        var event = epoll_event()
        event.events = flags
        event.data.u64 = token
        _ = epoll_ctl(fd, EPOLL_CTL_MOD, descriptor, &event)
    }

    func remove(_ descriptor: Int32) {
        _ = epoll_ctl(fd, EPOLL_CTL_DEL, descriptor, nil)
    }

    /// Waits up to `timeoutMilliseconds` and calls `body` for each event.
    func wait(timeoutMilliseconds: Int32, _ body: (Event) -> Void) {
        let count = epoll_wait(fd, events.baseAddress, Int32(events.count), timeoutMilliseconds)
        guard count > 0 else { return }
        for index in 0..<Int(count) {
            let event = events[index]
            body(Event(token: event.data.u64, flags: event.events))
        }
    }
}
