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
/// takes them. Answers are appended one after another; the file is rewound only once it
/// passes `rewindThreshold`.
///
/// Its first `mappedSize` bytes are mapped into memory, so an answer framed there (any
/// but a huge one) is measured by walking its records up to END_REQUEST and sent with one
/// `send` from the mapping: the fresh path costs libfcgi's `write` and that `send`, no
/// `lseek` and no `sendfile`. Beyond the mapping, the file's offset and `sendfile` serve.
///
/// Confined to the I/O thread.
final class FramingFile {
    /// Rewind once this much has been framed; shrink (give the pages back) past `mappedSize`.
    static let rewindThreshold = 1 << 20
    static let mappedSize = 4 << 20

    let descriptor: Int32
    private let mapping: UnsafeRawPointer
    /// Where the next answer starts: the file's offset, as libfcgi's writes leave it.
    private(set) var start = 0

    init() throws(SystemError) {
        descriptor = memfd_create("fcgi-answers", PUNCTUAL_MFD_CLOEXEC)
        guard descriptor >= 0 else { throw SystemError("memfd_create") }
        guard ftruncate(descriptor, off_t(Self.mappedSize)) == 0 else {
            let error = SystemError("ftruncate")
            Glibc.close(descriptor)
            throw error
        }
        let mapped = mmap(nil, Self.mappedSize, PROT_READ, MAP_SHARED, descriptor, 0)
        guard let mapped, mapped != MAP_FAILED else {
            let error = SystemError("mmap")
            Glibc.close(descriptor)
            throw error
        }
        mapping = UnsafeRawPointer(mapped)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: mapping), Self.mappedSize)
        Glibc.close(descriptor)
    }

    /// The bytes framed since the last `consume()`, or nil if they cannot be told.
    var pendingLength: Int? {
        if let length = framedLengthInMapping() { return length }
        let end = lseek(descriptor, 0, SEEK_CUR)
        guard end >= start else { return nil }
        return end - start
    }

    /// The answer's length, from its records' headers up to its END_REQUEST record, when
    /// it lies wholly in the mapping. libfcgi writes nothing else after `start`.
    private func framedLengthInMapping() -> Int? {
        let mapped = UnsafeRawBufferPointer(start: mapping, count: Self.mappedSize)
        var offset = start
        while offset + RecordHeader.length <= Self.mappedSize {
            let header = RecordHeader(in: mapped, at: offset)
            offset += header.recordLength
            if header.type == RecordHeader.Kind.endRequest {
                return offset <= Self.mappedSize ? offset - start : nil
            }
        }
        return nil
    }

    /// Sends up to `count` framed bytes from `offset` (relative to the answer's start) to
    /// `socket`, without blocking. Returns how many went, or nil when the socket failed
    /// (not when it is merely full).
    func send(to socket: Int32, from offset: Int, count: Int) -> Int? {
        var sent = 0
        while sent < count {
            let position = start + offset + sent
            let result: Int
            if position + count - sent <= Self.mappedSize {
                result = Glibc.send(socket, mapping + position, count - sent, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            } else {
                var filePosition = off_t(position)
                result = sendfile(socket, descriptor, &filePosition, count - sent)
            }
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
        let position = start + offset
        if position + count <= Self.mappedSize {
            return Array(UnsafeRawBufferPointer(start: mapping + position, count: count))
        }
        var complete = true
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            guard let base = buffer.baseAddress else { return }
            while done < count {
                let result = pread(descriptor, base + done, count - done, off_t(position + done))
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
        if end > Self.mappedSize {
            // Drops every page, then gives the mapped part its size back (as holes).
            _ = ftruncate(descriptor, 0)
            _ = ftruncate(descriptor, off_t(Self.mappedSize))
        }
        start = max(0, Int(lseek(descriptor, 0, SEEK_SET)))
    }
}
