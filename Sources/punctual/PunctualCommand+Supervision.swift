import ArgumentParser
import FastCGI
import Logging
import PunctualApp
import PunctualSupervisor
import Retrieval

/// The supervising parent, the worker and the unsupervised responder (issue 8).
extension PunctualCommand {
    static let noSocketMessage =
        "No socket to serve: give --socket PATH, or --listen HOST:PORT, or start me with a listening socket on fd 0 (spawn-fcgi, systemd StandardInput=socket) or on fd 3 (systemd socket activation)."

    /// Holds the socket and keeps a worker serving it until SIGTERM or SIGINT.
    func supervise(_ settings: PunctualSettings, logger: Logger) async throws {
        let requested = settings.app.address
        let supervisor: Supervisor
        do {
            supervisor = try Supervisor(
                address: try ProcessRole.supervisor.listenAddress(requested: requested),
                arguments: CommandLine.arguments,
                // The worker drains within its deadline plus 5 s; allow it more before a kill.
                stopTimeout: settings.app.policy.timeout + .seconds(10),
                logger: logger
            )
        } catch {
            if case .inherited = requested { throw ValidationError(Self.noSocketMessage) }
            logger.critical("cannot start: \(error)")
            throw ExitCode(71)  // EX_OSERR
        }
        let status = await supervisor.run()
        if status != 0 { throw ExitCode(status) }
    }

    /// The socket a worker or an unsupervised responder serves; arms the test crash.
    func listenAddress(for role: ProcessRole, requested: ListenAddress, logger: Logger) throws -> ListenAddress {
        do {
            let address = try role.listenAddress(requested: requested)
            if enableTestCrash {
                logger.warning("--enable-test-crash: SIGUSR2 makes this process trap")
                TestCrashTrigger.armOnSIGUSR2()
            }
            return address
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
    }
}
