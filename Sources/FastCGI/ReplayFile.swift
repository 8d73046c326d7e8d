import CPunctualFCGI

#if canImport(Glibc)
import Glibc
#endif

/// An in-memory file (`memfd_create`) through which libfcgi reads a request that the
/// reactor had to read off the socket itself, one I/O thread's.
///
/// A request larger than a socket's buffer can never be wholly buffered in the kernel
/// (where `RecordScanner` checks it before libfcgi's blocking reads may start), so the
/// reactor reads it, record by record and within the limits, into the connection. libfcgi
/// still decodes it: from this file, as if from the socket.
///
/// Confined to the I/O thread.
final class ReplayFile {
    private let descriptor: Int32

    init() throws(SystemError) {
        descriptor = memfd_create("fcgi-requests", PUNCTUAL_MFD_CLOEXEC)
        guard descriptor >= 0 else { throw SystemError("memfd_create") }
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Holds `bytes` and returns a new descriptor for reading them from the start, which
    /// the caller (libfcgi) owns and closes: a duplicate, so that libfcgi closing it on a
    /// protocol error never closes this file. Nil if the bytes could not be stored.
    func load(_ bytes: [UInt8]) -> Int32? {
        guard ftruncate(descriptor, 0) == 0 else { return nil }
        let stored = bytes.withUnsafeBytes { raw -> Bool in
            var done = 0
            while done < raw.count {
                let result = pwrite(descriptor, raw.baseAddress! + done, raw.count - done, off_t(done))
                if result < 0, errno == EINTR { continue }
                guard result > 0 else { return false }
                done += result
            }
            return true
        }
        // The duplicate shares this file's offset.
        guard stored, lseek(descriptor, 0, SEEK_SET) == 0 else { return nil }
        let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        return duplicate >= 0 ? duplicate : nil
    }

    /// Gives the pages of the last request back.
    func clear() {
        _ = ftruncate(descriptor, 0)
    }
}
