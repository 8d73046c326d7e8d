import Foundation
import PunctualTestSupport
import Testing

/// The supervised worker behind the fixture's `punctual` (the supervising parent).
extension PunctualFixture {
    /// The worker serving now: the supervisor's child, once it has one.
    func workerPID() async throws -> Int32 {
        try await nextWorker(after: nil)
    }

    /// Waits until the supervisor runs a worker other than `previous`, and returns its pid.
    func nextWorker(after previous: Int32?, timeout: Duration = .seconds(10)) async throws -> Int32 {
        let supervisor = punctual.pid
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let pid = childProcesses(of: supervisor).first(where: { $0 != previous && isProcessAlive($0) }) {
                return pid
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestFailure("no new worker after \(previous.map(String.init) ?? "none"):\n\(punctual.log)")
    }

    /// `/status`, decoded.
    func status() async throws -> [String: Any] {
        let reply = try await get("/status")
        guard reply.status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any]
        else { throw TestFailure("/status answered \(reply.status): \(reply.body)") }
        return json
    }
}
