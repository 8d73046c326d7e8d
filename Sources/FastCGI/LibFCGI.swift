import CPunctualFCGI

#if canImport(Glibc)
import Glibc
#endif

// The only file that calls libfcgi. Nothing pointer-shaped leaves it: parameters and
// bodies are copied into Swift values before libfcgi frees them.

/// Process-wide libfcgi set-up.
enum LibFCGI {
    /// Initialises libfcgi once, in the order that works (see shared/LIBFCGI.md): its
    /// environment first, then `FCGX_Init`, then SIGPIPE ignored. `FCGX_Init` installs a
    /// SIGTERM handler that only sets a flag (for `FCGX_Accept`, which is not used here): it
    /// is put back to the default at once, so that a SIGTERM arriving before the service's
    /// own handling is in place stops the process rather than being swallowed (a worker
    /// left running for ever, seen in the tests). Whoever handles SIGTERM installs its
    /// handling after this call.
    static func initialize() {
        _ = initialized
    }

    private static let initialized: Bool = {
        // Finishing a request must not wait for the peer to close (libfcgi's default 2 s drain).
        setenv("LIBFCGI_OS_CLOSE_POLL_TIMEOUT", "0", 1)
        let status = FCGX_Init()
        signal(SIGTERM, SIG_DFL)
        signal(SIGPIPE, SIG_IGN)
        return status == 0
    }()
}

/// One connection from the web server and libfcgi's request state for it.
///
/// Confined to the I/O thread: it is created, used and destroyed there, and is not
/// `Sendable`. The `FCGX_Request` lives on the heap because its streams point back at it.
final class FCGIConnection {
    private let request: UnsafeMutablePointer<FCGX_Request>

    /// Wraps a freshly accepted descriptor, which the connection now owns.
    init(descriptor: Int32) {
        request = .allocate(capacity: 1)
        // No listening socket: libfcgi must never accept (or block) on its own.
        FCGX_InitRequest(request, -1, 0)
        request.pointee.ipcFd = descriptor
        // Until BEGIN_REQUEST says otherwise, keep the descriptor: FCGX_Accept_r starts by
        // finishing the previous request, which would otherwise close it.
        request.pointee.keepConnection = 1
    }

    deinit {
        close()
        request.deallocate()
    }

    /// The descriptor, or -1 once libfcgi or `close()` has closed it.
    var descriptor: Int32 { request.pointee.ipcFd }

    /// Reads the request that `RecordScanner` found complete in the socket buffer, so no
    /// read blocks. With `skipBody`, the body is left unread (the caller answers and then
    /// discards it). Returns nil if libfcgi refused the request (it then closed the
    /// connection).
    func readBufferedRequest(skipBody: Bool) -> FastCGIRequest? {
        guard FCGX_Accept_r(request) == 0, let envp = request.pointee.envp else { return nil }
        // Sized exactly, so that the two allocations are small ones (glibc's cache).
        var count = 0
        var byteCount = 0
        while let entry = envp[count] {
            byteCount += strlen(entry)
            count += 1
        }
        var params = CGIParams(reservingCapacity: count, byteCount: byteCount)
        var cursor = envp
        while let entry = cursor.pointee {
            params.appendEntry(
                UnsafeBufferPointer(
                    start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self),
                    count: strlen(entry)
                )
            )
            cursor += 1
        }
        guard !skipBody else {
            return FastCGIRequest(params: params, bodyExceededLimit: true)
        }
        return FastCGIRequest(params: params, body: readBody())
    }

    /// The request's body to its end. Most requests have none, so the first read goes to
    /// the stack and nothing is allocated unless a byte comes.
    private func readBody() -> [UInt8] {
        var first: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        let count = withUnsafeMutableBytes(of: &first) { read(into: $0) }
        guard count > 0 else { return [] }
        var body = withUnsafeBytes(of: &first) { Array($0[..<count]) }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(into: $0) }
            guard count > 0 else { return body }
            body.append(contentsOf: chunk[..<count])
        }
    }

    private func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        Int(
            FCGX_GetStr(
                buffer.baseAddress!.assumingMemoryBound(to: CChar.self),
                Int32(buffer.count),
                request.pointee.in
            )
        )
    }

    /// Has libfcgi read a request from `replay` (see `ReplayFile`) rather than from the
    /// socket: for requests the reactor read itself. The socket's descriptor is put back
    /// afterwards, and `replay`, which this call owns, is closed. With
    /// `bodyExceededLimit`, the request is flagged and its (empty) body left unread.
    func readReplayedRequest(from replay: Int32, bodyExceededLimit: Bool) -> FastCGIRequest? {
        let socket = request.pointee.ipcFd
        request.pointee.ipcFd = replay
        request.pointee.keepConnection = 1
        let result = readBufferedRequest(skipBody: bodyExceededLimit)
        // libfcgi closed the duplicate itself if it refused the request.
        if request.pointee.ipcFd >= 0 { Glibc.close(request.pointee.ipcFd) }
        request.pointee.ipcFd = socket
        return result
    }

    /// Has libfcgi frame `response` (STDOUT records, the empty STDOUT, END_REQUEST) into
    /// `file`, and finishes the request; `head` is scratch space for the response's head,
    /// reused from one answer to the next. Returns whether the web server asked to keep the
    /// connection (nginx `fastcgi_keep_conn on`), or nil when libfcgi could not write the
    /// records (the file is then in an unknown state).
    ///
    /// The socket itself is never written here: libfcgi's single unchecked `write` per
    /// buffer would silently drop what a full non-blocking socket does not take. For the
    /// length of the call its descriptor is the file's; then the socket's is put back.
    /// `FCGX_Finish_r` is not used, because it closes the descriptor on any stream error
    /// or when the web server did not ask to keep the connection: here the file must stay
    /// open, and the caller closes the connection once the answer is sent. The same two
    /// closes and free, without the close of the descriptor, are done here instead.
    func frame(_ response: FastCGIResponse, head: inout [UInt8], into file: FramingFile) -> Bool? {
        let socket = request.pointee.ipcFd
        let keepConnection = request.pointee.keepConnection != 0
        request.pointee.ipcFd = file.descriptor
        defer {
            request.pointee.ipcFd = socket
            // For FCGX_Accept_r's opening finish of the next request: never close the socket.
            request.pointee.keepConnection = 1
        }
        head.removeAll(keepingCapacity: true)
        response.encodeHead(into: &head)
        put(head)
        put(response.body)
        // The order FCGX_Finish_r uses: stderr first, so that closing stdout writes END_REQUEST.
        let errorStatus = FCGX_FClose(request.pointee.err)
        let outputStatus = FCGX_FClose(request.pointee.out)
        FCGX_Free(request, 0)
        return errorStatus == 0 && outputStatus == 0 ? keepConnection : nil
    }

    private func put(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else { return }
            _ = FCGX_PutStr(base.assumingMemoryBound(to: CChar.self), Int32(raw.count), request.pointee.out)
        }
    }

    /// Frees libfcgi's request state and closes the descriptor, without answering.
    func close() {
        let descriptor = request.pointee.ipcFd
        FCGX_Free(request, 0)
        request.pointee.ipcFd = -1
        if descriptor >= 0 { Glibc.close(descriptor) }
    }
}
