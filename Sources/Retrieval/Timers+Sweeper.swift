import Synchronization

extension Timers {
    /// The body of sweeper `generation`: fire what is due, sleep until the next deadline,
    /// end when nothing is pending or a newer sweeper has replaced this one.
    func sweep(generation: UInt64) async {
        while true {
            let now = clock.now
            switch state.withLock({ $0.nextSweep(now: now, generation: generation) }) {
            case .fire(let actions):
                for action in actions {
                    action()
                }
            case .sleep(let deadline):
                do {
                    try await clock.sleep(until: deadline, tolerance: nil)
                } catch {
                    // Cancelled: a sweeper for an earlier deadline replaced this one, and
                    // the next step says so.
                }
            case .exit:
                return
            }
        }
    }
}
