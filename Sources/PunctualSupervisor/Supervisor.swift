import FastCGI
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The supervising parent: it holds the listening socket and keeps a worker serving it.
///
/// A worker is this same program started with `--worker-of <pid>`; it serves the socket
/// on fd 3. When it dies for any reason, a new one starts at once (with a back-off when
/// workers die in a loop), so the socket never closes: connections that arrive meanwhile
/// wait in its backlog, and only the requests in flight on the dead worker are lost.
/// SIGTERM or SIGINT drains the worker and removes the socket; a second one kills it.
/// SIGHUP replaces the worker gracefully.
///
/// ```swift
/// let supervisor = try Supervisor(address: address, arguments: CommandLine.arguments,
///                                 stopTimeout: .seconds(15), logger: logger)
/// let code = await supervisor.run()   // the process's exit code
/// ```
public struct Supervisor: Sendable {
    private let socket: HeldListeningSocket
    private let arguments: [String]
    private let stopTimeout: Duration
    private let logger: Logger

    /// Opens (or adopts) the listening socket at once, so that a bad address fails here.
    /// `arguments` is the command line (`argv[0]` first) that each worker gets, with
    /// `--worker-of` added. `stopTimeout` bounds a graceful stop: a worker still running
    /// that long after SIGTERM is killed.
    public init(
        address: ListenAddress,
        arguments: [String],
        stopTimeout: Duration,
        logger: Logger
    ) throws(SystemError) {
        socket = try HeldListeningSocket.open(address)
        self.arguments = arguments
        self.stopTimeout = stopTimeout
        self.logger = logger
        logger.info("supervisor holding \(address)", metadata: ["fd": "\(socket.descriptor)"])
    }

    /// Supervises until stopped and returns the exit code the process should end with
    /// (see `SupervisorLoop.run()`). The socket is closed, and a Unix socket file removed,
    /// before it returns.
    public func run() async -> Int32 {
        let spawner = WorkerSpawner(
            arguments: arguments + ["--worker-of", String(getpid())],
            listeningDescriptor: socket.descriptor
        )
        let code = await withCheckedContinuation { continuation in
            let started = SupervisorThread.spawn(name: "supervisor") { [stopTimeout, logger] in
                let loop = SupervisorLoop(spawner: spawner, stopTimeout: stopTimeout, logger: logger)
                continuation.resume(returning: loop.run())
            }
            if !started {
                logger.critical("cannot start the supervisor's thread")
                continuation.resume(returning: 71)  // EX_OSERR
            }
        }
        socket.close()
        logger.info("supervisor exiting", metadata: ["status": "\(code)"])
        return code
    }
}
