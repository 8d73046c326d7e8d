import FastCGI

#if canImport(Glibc)
import Glibc
#endif

/// Starts a worker: this same program (`/proc/self/exe`, so an upgrade on disk never mixes
/// versions) with the supervisor's own arguments plus `--worker-of <supervisor pid>`, the
/// listening socket on fd 3 and `LISTEN_FDS=1`, as systemd passes a socket.
///
/// `posix_spawn`, not `fork`: forking a multi-threaded Swift process is unsafe, and glibc's
/// `posix_spawn` is a `vfork`-style clone that copies nothing. `LISTEN_PID` cannot be known
/// before the exec, so it is left out; the worker checks its parent instead. The worker
/// gets default signal handling, an empty signal mask and a process group of its own, so
/// a Ctrl-C in a terminal reaches only the supervisor, which then stops the worker.
struct WorkerSpawner {
    /// The full argument vector of the worker, `argv[0]` included.
    let arguments: [String]
    /// The held listening socket, which the worker sees as fd 3.
    let listeningDescriptor: Int32

    /// The descriptor a worker serves, where systemd puts its first socket too.
    static let workerDescriptor: Int32 = 3

    /// Environment variables the spawner sets, or removes from what the supervisor got.
    static let restartsVariable = "PUNCTUAL_WORKER_RESTARTS"
    static let ownVariables = ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", restartsVariable]

    /// Starts a worker that is told it follows `restarts` restarts; returns its pid.
    /// Call it from the thread that outlives the worker: its parent-death signal fires when
    /// that thread ends.
    func spawn(restarts: Int) throws(SystemError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto itself would keep close-on-exec on older C libraries: go through a copy.
        var source = listeningDescriptor
        var copy: Int32 = -1
        if source == Self.workerDescriptor {
            copy = fcntl(source, F_DUPFD_CLOEXEC, 10)
            guard copy >= 0 else { throw SystemError("fcntl(F_DUPFD_CLOEXEC)") }
            source = copy
        }
        defer { if copy >= 0 { close(copy) } }
        posix_spawn_file_actions_adddup2(&actions, source, Self.workerDescriptor)
        if source == 0 {
            // The socket came on fd 0 (spawn-fcgi); the worker gets it on fd 3 only.
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)
        )

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = Self.environment(restarts: restarts).map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv, envp)
        guard result == 0 else { throw SystemError("posix_spawn(/proc/self/exe)", code: result) }
        return pid
    }

    /// A crashing worker's Swift runtime prints a backtrace before it dies, and symbolicating
    /// it keeps the dead worker (and so the restart) waiting: measured here, 0.8 to 1.9 s
    /// instead of 0.2 s. Unless `SWIFT_BACKTRACE` says otherwise, the backtrace keeps its
    /// addresses and image list (enough to symbolicate later) without symbols.
    static let backtraceSetting = "SWIFT_BACKTRACE=symbolicate=off"

    /// The supervisor's environment, less what it passes on itself, plus the socket's and
    /// the restart count's variables (and `backtraceSetting` if none is set).
    static func environment(restarts: Int) -> [String] {
        var variables: [String] = []
        var entry: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        while let pointer = entry?.pointee {
            let variable = String(cString: pointer)
            let name = variable.prefix { $0 != "=" }
            if !ownVariables.contains(String(name)) { variables.append(variable) }
            entry = entry?.advanced(by: 1)
        }
        if !variables.contains(where: { $0.hasPrefix("SWIFT_BACKTRACE=") }) { variables.append(backtraceSetting) }
        return variables + ["LISTEN_FDS=1", "\(restartsVariable)=\(restarts)"]
    }
}
