import CPunctualProcess
import FastCGI

#if canImport(Glibc)
import Glibc
#endif

/// The supervisor's signals as bytes on a pipe, so that its loop learns of them in `poll`
/// along with everything else, on its own thread, without running Swift in a signal handler.
///
/// The handlers (in `CPunctualProcess`) write each signal's number to the pipe and do
/// nothing else; whichever thread the kernel picks to run them, the loop reads them here.
/// One per process: the handlers share a single pipe.
final class SignalPipe {
    /// Poll this for `POLLIN`.
    let readDescriptor: Int32
    private let writeDescriptor: Int32

    init(catching signals: [Int32]) throws(SystemError) {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else { throw SystemError("pipe") }
        readDescriptor = descriptors[0]
        writeDescriptor = descriptors[1]
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        for signal in signals where punctual_signal_pipe_catch(signal, writeDescriptor) != 0 {
            throw SystemError("sigaction(\(signal))")
        }
    }

    /// The signals that arrived since the last call, oldest first; empty if none did.
    func drain() -> [Int32] {
        var signals: [Int32] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readDescriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return signals }
            signals += buffer[..<count].map { Int32($0) }
        }
    }
}
