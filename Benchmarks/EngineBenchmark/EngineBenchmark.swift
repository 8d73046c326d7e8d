import Retrieval

#if canImport(Glibc)
import Glibc
#endif

/// Requests through the retrieval engine alone, without nginx or FastCGI, so that engine
/// regressions show without network noise. Prints calls per CPU-second (all threads'
/// CPU time, so "per second on one core") for an instant source and a hanging one.
@main
struct EngineBenchmark {
    static func main() async {
        let quick = CommandLine.arguments.contains("--quick")
        let calls = quick ? 20_000 : 200_000
        print("| engine scenario | calls | calls per CPU-second | µs CPU per call |")
        print("| --- | ---: | ---: | ---: |")
        await report("instant source, one caller at a time", calls: calls) { engine in
            for _ in 0..<calls { _ = try? await engine.retrieve("k") }
        } source: { _ in
            1
        }
        await report("instant source, 100 callers at once", calls: calls) { engine in
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<100 {
                    group.addTask { for _ in 0..<(calls / 100) { _ = try? await engine.retrieve("k") } }
                }
            }
        } source: { _ in
            1
        }
        await report("hanging source, 1000 callers at once (10 ms deadline)", calls: calls, timeout: .milliseconds(10))
        { engine in
            for _ in 0..<(calls / 1000) {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<1000 { group.addTask { _ = try? await engine.retrieve("k") } }
                }
            }
        } source: { _ in
            try await Task.sleep(for: .seconds(3600))
            return 0
        }
    }

    static func report(
        _ name: String,
        calls: Int,
        timeout: Duration = .seconds(5),
        run: @Sendable (RetrievalEngine<String, Int, ContinuousClock>) async -> Void,
        source: @escaping @Sendable (String) async throws -> Int
    ) async {
        let clock = ContinuousClock()
        let engine = RetrievalEngine(
            policy: .init(timeout: timeout, onTimeout: .refresh),
            clock: clock,
            timers: Timers(clock: clock),
            source: source
        )
        engine.seed(0, for: "k")
        let before = cpuSeconds()
        await run(engine)
        let cpu = cpuSeconds() - before
        let perSecond = Double(calls) / cpu
        print("| \(name) | \(calls) | \(Int(perSecond)) | \(String(format: 1e6 / perSecond)) |")
    }

    /// User plus system CPU time of the whole process.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(
            usage.ru_utime.tv_usec + usage.ru_stime.tv_usec
        ) / 1e6
    }

    static func String(format value: Double) -> Swift.String {
        let hundredths = Int((value * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}
