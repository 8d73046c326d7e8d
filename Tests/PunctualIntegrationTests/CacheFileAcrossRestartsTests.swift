import Foundation
import PunctualTestSupport
import Testing

/// `--cache-file`: last good values, with their true ages, across real restarts of the binary.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CacheFileAcrossRestartsTests {
    /// A command that answers `"<key>-<n>"`, n counting its runs, or fails once `fail` exists.
    static func countingSource(in directory: String) throws -> String {
        try writeScript(
            directory + "/counting",
            """
            if [ -e "\(directory)/fail" ]; then exit 1; fi
            echo x >> "\(directory)/runs"
            printf '"%s-%s"' "$PUNCTUAL_KEY" "$(wc -l < "\(directory)/runs" | tr -d ' ')"
            """
        )
    }

    @Test func valuesAndTheirAgesSurviveAGracefulRestart() async throws {
        try await withTemporaryDirectory { directory in
            let arguments = [
                "--source", "command", "--command", try Self.countingSource(in: directory), "--cache-file",
                directory + "/cache.sqlite", "--timeout", "5", "--retry-after", "60",
            ]
            try await PunctualFixture.with(arguments) { fixture in
                let a = try await fixture.get("/retrieve-data?key=a")
                #expect(a.body == #"{"message":"a-1","cache":false}"#)
                let b = try await fixture.get("/retrieve-data?key=b")
                #expect(b.body == #"{"message":"b-2","cache":false}"#)
                try Data().write(to: URL(fileURLWithPath: directory + "/fail"))
                try await Task.sleep(for: .seconds(1.2))
                try await fixture.restart(arguments)

                let cachedA = try await fixture.get("/retrieve-data?key=a")
                #expect(cachedA.body == #"{"message":"a-1","cache":true}"#, "\(fixture.punctual.log)")
                #expect(Int(cachedA.headers["age"] ?? "") ?? -1 >= 1, "the age counts from the first retrieval")
                let cachedB = try await fixture.get("/retrieve-data?key=b")
                #expect(cachedB.body == #"{"message":"b-2","cache":true}"#)
            }
        }
    }

    @Test func valuesThatLandedBeforeAKill9Survive() async throws {
        try await withTemporaryDirectory { directory in
            let arguments = [
                "--source", "command", "--command", try Self.countingSource(in: directory), "--cache-file",
                directory + "/cache.sqlite", "--timeout", "5", "--retry-after", "60", "--max-retrievals", "200",
            ]
            try await PunctualFixture.with(arguments) { fixture in
                let replies = try await fixture.concurrentKeys((0..<100).map { "k\($0)" })
                #expect(replies.allSatisfy { $0.status == 200 && $0.body.hasSuffix(#""cache":false}"#) })
                // Values are committed within 100 ms of landing; allow generous time, then
                // crash while other keys are still being retrieved and written.
                try await Task.sleep(for: .milliseconds(500))
                let load = Task {
                    for index in 0..<2000 where !Task.isCancelled {
                        _ = try? await fixture.get("/retrieve-data?key=load\(index)")
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                try await fixture.restart(arguments, kill: true)
                load.cancel()
                _ = await load.value
                try Data().write(to: URL(fileURLWithPath: directory + "/fail"))

                let after = try await fixture.concurrentKeys((0..<100).map { "k\($0)" })
                let served = after.filter { $0.status == 200 && $0.body.hasSuffix(#""cache":true}"#) }
                #expect(
                    served.count == 100,
                    "every value that landed before the kill is served:\n\(fixture.punctual.log)"
                )
            }
        }
    }

    @Test func aCorruptFileIsMovedAsideAndTheServiceStarts() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
            try garbage.write(to: URL(fileURLWithPath: path))
            try await PunctualFixture.with(["--cache-file", path, "--delay", "0", "--timeout", "2"]) { fixture in
                let reply = try await fixture.get()
                #expect(reply.status == 200)
                let aside = try FileManager.default.contentsOfDirectory(atPath: directory)
                    .filter { $0.hasPrefix("cache.sqlite.corrupt-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
                #expect(aside.count == 1, "the garbage is kept aside: \(aside)")
                if let name = aside.first {
                    #expect(FileManager.default.contents(atPath: directory + "/" + name) == garbage)
                }
            }
        }
    }

    @Test func theDefaultKeyKeepsItsPersistedValueRatherThanANewSeed() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/cache.sqlite"
            try await PunctualFixture.with(["--cache-file", path, "--delay", "0", "--timeout", "2"]) { fixture in
                let fresh = try RecipeAnswer(try await fixture.get())
                #expect(!fresh.cache)
                // Restarted with a source that always misses the deadline: the persisted value answers.
                try await fixture.restart(["--cache-file", path, "--delay", "60", "--timeout", "0.2"])
                let cached = try RecipeAnswer(try await fixture.get())
                #expect(cached.cache)
                #expect(cached.message == fresh.message, "the persisted value, not a new random seed")
            }
        }
    }
}

extension PunctualFixture {
    /// One request per key, all at once, through nginx.
    func concurrentKeys(_ keys: [String]) async throws -> [HTTPReply] {
        try await withThrowingTaskGroup(of: HTTPReply.self) { group in
            for key in keys {
                group.addTask { try await self.get("/retrieve-data?key=\(key)") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}
