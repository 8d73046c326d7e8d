import PunctualJSON
import Retrieval

/// A source that records how long each of its retrievals took, and how it ended, in the
/// metrics' duration histogram.
struct TimedSource: RetrievalSource {
    let source: any RetrievalSource<String, JSONFragment>
    let metrics: AppMetrics

    func retrieve(_ key: String) async throws -> JSONFragment {
        let start = ContinuousClock.now
        do {
            let value = try await source.retrieve(key)
            metrics.recordRetrieval(.success, took: .now - start)
            return value
        } catch {
            let result: AppMetrics.RetrievalResult =
                error is CancellationError || Task.isCancelled ? .cancelled : .failure
            metrics.recordRetrieval(result, took: .now - start)
            throw error
        }
    }
}
