import FastCGI
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The supervisor's work, on a thread of its own: start the worker, wait for signals and
/// for the worker's end in `poll`, start a new worker when one dies, stop when told to.
///
/// Everything here may block (it waits in `poll` and `waitpid`), so it never runs on
/// Swift's cooperative pool. It is confined to its thread: created, run and dropped there.
final class SupervisorLoop {
    private let spawner: WorkerSpawner
    private let stopTimeout: Duration
    private let logger: Logger

    private struct Worker {
        let pid: pid_t
        let startedAt: ContinuousClock.Instant
    }

    /// The worker serving now; nil while none runs (a back-off, or during the stop).
    private var worker: Worker?
    /// Workers replaced after SIGHUP that are still answering what they had.
    private var retiring: Set<pid_t> = []
    private var restarts = 0
    private var backoff = RestartBackoff()
    /// When to start the next worker, during a back-off.
    private var nextStart: ContinuousClock.Instant?
    /// When a stop was asked for, and by which signal; then when to give up waiting.
    private var stopRequested: (signal: Int32, killAt: ContinuousClock.Instant)?
    /// Whether the stop had to kill a worker that outlived `stopTimeout`.
    private var killedAfterTimeout = false
    /// Whether every worker stopped with status 0.
    private var stoppedCleanly = true

    init(spawner: WorkerSpawner, stopTimeout: Duration, logger: Logger) {
        self.spawner = spawner
        self.stopTimeout = stopTimeout
        self.logger = logger
    }

    /// Runs until the supervisor should exit, and returns its exit code: 0 after a stop in
    /// which the worker ended well (1 if it did not), 78 when a worker could not start with this configuration,
    /// 128 + the signal's number after a second stop signal.
    func run() -> Int32 {
        let signals: SignalPipe
        do {
            signals = try SignalPipe(catching: [SIGTERM, SIGINT, SIGHUP, SIGCHLD])
        } catch {
            logger.critical("supervisor cannot catch signals: \(error)")
            return 71  // EX_OSERR
        }
        startWorker()
        while true {
            var entry = pollfd(fd: signals.readDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&entry, 1, pollTimeout())
            for signal in signals.drain() {
                if let code = handle(signal) { return code }
            }
            // Every wake-up reaps: a SIGCHLD byte may have been merged with another.
            if let code = reapWorkers() { return code }
            if let code = handleTimers() { return code }
        }
    }

    // MARK: - Signals

    private func handle(_ signal: Int32) -> Int32? {
        switch signal {
        case SIGTERM, SIGINT:
            guard stopRequested == nil else { return stopAtOnce(after: signal) }
            stopRequested = (signal, .now + stopTimeout)
            nextStart = nil
            let pids = ([worker?.pid].compactMap { $0 }) + retiring
            logger.notice(
                "stopping on \(Self.name(of: signal)): the worker drains (a second signal stops it at once)",
                metadata: ["workers": "\(pids)"]
            )
            pids.forEach { kill($0, SIGTERM) }
            return pids.isEmpty ? 0 : nil
        case SIGHUP:
            replaceWorker()
            return nil
        default:
            return nil
        }
    }

    /// A second SIGTERM or SIGINT: no more draining.
    private func stopAtOnce(after signal: Int32) -> Int32 {
        let pids = ([worker?.pid].compactMap { $0 }) + retiring
        logger.warning("second \(Self.name(of: signal)): killing the worker", metadata: ["workers": "\(pids)"])
        for pid in pids {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        worker = nil
        retiring.removeAll()
        return 128 + signal
    }

    /// SIGHUP: a new worker takes over at once, the old one finishes what it holds.
    private func replaceWorker() {
        guard stopRequested == nil, let old = worker else { return }
        logger.notice("SIGHUP: starting a new worker; worker \(old.pid) finishes what it holds")
        worker = nil
        retiring.insert(old.pid)
        startWorker()
        kill(old.pid, SIGTERM)
    }

    // MARK: - Workers

    private func startWorker() {
        do {
            let pid = try spawner.spawn(restarts: restarts)
            worker = Worker(pid: pid, startedAt: .now)
            logger.info("worker started", metadata: ["worker": "\(pid)", "restarts": "\(restarts)"])
        } catch {
            logger.error("cannot start a worker: \(error)")
            let delay = max(backoff.delayAfterDeath(at: .now, lifetime: .zero), RestartBackoff.firstDelay)
            nextStart = .now + delay
        }
    }

    /// Collects every child that ended; returns an exit code when the supervisor is done.
    private func reapWorkers() -> Int32? {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { break }
            let exit = WorkerExit(waitStatus: status)
            if retiring.remove(pid) != nil {
                logger.info("replaced worker \(exit)", metadata: ["worker": "\(pid)"])
            } else if let current = worker, current.pid == pid {
                worker = nil
                if let code = workerEnded(current, exit) { return code }
            }
        }
        if stopRequested != nil, worker == nil, retiring.isEmpty {
            return stoppedCleanly ? 0 : 1
        }
        return nil
    }

    private func workerEnded(_ ended: Worker, _ exit: WorkerExit) -> Int32? {
        let now = ContinuousClock.now
        let lifetime = now - ended.startedAt
        let metadata: Logger.Metadata = ["worker": "\(ended.pid)", "lifetime": "\(lifetime)"]
        if stopRequested != nil {
            logger.info("worker \(exit)", metadata: metadata)
            // SIGTERM's default action is a clean stop too: a worker still starting had nothing to drain.
            if exit != .exited(code: 0), exit != .killed(signal: SIGTERM) { stoppedCleanly = false }
            return nil
        }
        if exit == .exited(code: WorkerExit.configurationErrorCode) {
            logger.critical(
                "worker cannot start with this configuration (exit 78): not restarting it",
                metadata: metadata
            )
            return WorkerExit.configurationErrorCode
        }
        restarts += 1
        let delay = backoff.delayAfterDeath(at: now, lifetime: lifetime)
        if delay == .zero {
            logger.error("worker \(exit); starting a new one (restart \(restarts))", metadata: metadata)
            startWorker()
        } else {
            logger.error(
                "worker \(exit); it died \(backoff.recentDeaths) times in \(RestartBackoff.window): backing off \(delay) before restart \(restarts)",
                metadata: metadata
            )
            nextStart = now + delay
        }
        return nil
    }

    // MARK: - Time

    private func handleTimers() -> Int32? {
        let now = ContinuousClock.now
        if let start = nextStart, start <= now {
            nextStart = nil
            startWorker()
        }
        if let stop = stopRequested, !killedAfterTimeout, stop.killAt <= now {
            logger.error("the worker did not stop within \(stopTimeout): killing it")
            killedAfterTimeout = true
            ([worker?.pid].compactMap { $0 } + retiring).forEach { kill($0, SIGKILL) }
        }
        return nil
    }

    /// Milliseconds until the next timed step, or -1 (wait for a signal).
    private func pollTimeout() -> Int32 {
        let deadlines = [nextStart, killedAfterTimeout ? nil : stopRequested?.killAt].compactMap { $0 }
        guard let next = deadlines.min() else { return -1 }
        let wait = next - .now
        guard wait > .zero else { return 0 }
        let (seconds, attoseconds) = wait.components
        return Int32(min(seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1, 60_000))
    }

    private static func name(of signal: Int32) -> String {
        switch signal {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        default: "signal \(signal)"
        }
    }
}
