@testable import Retrieval

extension ManualClock {
    /// The wall-clock time at the manual clock's zero: 2025-12-02 10:40 UTC, say.
    static let epoch = WallTime(sinceEpoch: .seconds(1_764_672_000))

    /// A wall clock that moves with this clock, from `epoch`, for engines under test.
    var wallClock: @Sendable () -> WallTime {
        { Self.epoch.advanced(by: self.now.offset) }
    }

    /// The wall-clock time this clock shows `seconds` after its zero.
    static func wallTime(atSecond seconds: Int) -> WallTime {
        epoch.advanced(by: .seconds(seconds))
    }
}
