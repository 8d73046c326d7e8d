import CPunctualFCGI

#if canImport(Glibc)
import Glibc
#endif

/// An in-memory file (`memfd_create`) that libfcgi frames answers into, one I/O thread's.
///
/// libfcgi writes a request's records straight to its descriptor with one unchecked
/// `write` per 8 KB buffer, which on a non-blocking socket silently loses whatever the
/// socket does not take at once. Pointed at this file instead, libfcgi's writes always
/// complete, and the reactor then sends the framed bytes itself, as fast as the socket
/// takes them. Answers are appended one after another and sent from where each starts,
/// so the fresh path costs one `lseek` (to learn the length) and one `sendfile`; the file
/// is rewound only once it passes `rewindThreshold`.
///
/// Confined to the I/O thread.
final class FramingFile {
    /// Rewind once this much has been framed; shrink (give the pages back) past `shrinkThreshold`.
    static let rewindThreshold = 1 << 20
    static let shrinkThreshold = 4 << 20

    let descriptor: Int32
    /// Where the next answer starts: the file's offset, as libfcgi's writes leave it.
    private(set) var start = 0

    init() throws(SystemError) {
        descriptor = memfd_create("fcgi-answers", PUNCTUAL_MFD_CLOEXEC)
        guard descriptor >= 0 else { throw SystemError("memfd_create") }
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// The bytes framed since the last `consume()`, or nil if the file's offset is unknown.
    var pendingLength: Int? {
        let end = lseek(descriptor, 0, SEEK_CUR)
        guard end >= start else { return nil }
        return end - start
    }

    /// Sends up to `count` framed bytes from `offset` (relative to the answer's start) to
    /// `socket`, without blocking. Returns how many went, or nil when the socket failed
    /// (not when it is merely full).
    func send(to socket: Int32, from offset: Int, count: Int) -> Int? {
        var sent = 0
        while sent < count {
            var position = off_t(start + offset + sent)
            let result = sendfile(socket, descriptor, &position, count - sent)
            if result > 0 {
                sent += result
            } else if result < 0, errno == EINTR {
                continue
            } else if result < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                return sent
            } else {
                return nil
            }
        }
        return sent
    }

    /// Copies `count` framed bytes from `offset` (relative to the answer's start): the part
    /// a full socket did not take, which the connection keeps until it can.
    func copy(from offset: Int, count: Int) -> [UInt8]? {
        var complete = true
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            guard let base = buffer.baseAddress else { return }
            while done < count {
                let result = pread(
                    descriptor,
                    base + done,
                    count - done,
                    off_t(start + offset + done)
                )
                if result < 0, errno == EINTR { continue }
                guard result > 0 else {
                    complete = false
                    break
                }
                done += result
            }
            initialized = done
        }
        return complete ? bytes : nil
    }

    /// Forgets the answer framed last, `length` bytes (sent, or copied into its connection):
    /// the next one starts after it, or at the beginning once the file has grown past
    /// `rewindThreshold`. A nil `length` (the offset was unknown) rewinds.
    func consume(_ length: Int?) {
        let end = length.map { start + $0 } ?? Int.max
        guard end >= Self.rewindThreshold else {
            start = end
            return
        }
        if end >= Self.shrinkThreshold { _ = ftruncate(descriptor, 0) }
        start = max(0, Int(lseek(descriptor, 0, SEEK_SET)))
    }
}
