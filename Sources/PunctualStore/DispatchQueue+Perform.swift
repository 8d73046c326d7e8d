import Dispatch

extension DispatchQueue {
    /// Runs blocking work (SQLite) on this queue and awaits its result, so that it never
    /// occupies a thread of the cooperative pool.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            self.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body` on this queue and waits for it to finish, without a result or an error.
    func perform(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            self.async {
                body()
                continuation.resume()
            }
        }
    }
}
