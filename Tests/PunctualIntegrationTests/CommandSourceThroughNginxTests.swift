import Foundation
import PunctualTestSupport
import Testing

/// `--source command` end to end: real scripts, the real binary, real nginx.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CommandSourceThroughNginxTests {
    @Test func aCommandsJSONValueIsAnsweredAsItCame() async throws {
        try await withTemporaryDirectory { directory in
            let script = try writeScript(
                directory + "/weather",
                #"printf '{"city":"Oslo","temp":-3.5,"tags":["a",null,true]}'"#
            )
            try await PunctualFixture.with(["--source", "command", "--command", script, "--timeout", "5"]) { fixture in
                let reply = try await fixture.get()
                #expect(reply.status == 200)
                #expect(reply.body == #"{"message":{"city":"Oslo","temp":-3.5,"tags":["a",null,true]},"cache":false}"#)
            }
        }
    }

    @Test func theKeyReachesTheCommandAsAnArgumentAndInItsEnvironment() async throws {
        try await withTemporaryDirectory { directory in
            let script = try writeScript(directory + "/echo-key", #"printf '["%s","%s"]' "$1" "$PUNCTUAL_KEY""#)
            try await PunctualFixture.with([
                "--source", "command", "--command", script, "--arg", "{key}", "--timeout", "5",
            ]) { fixture in
                let reply = try await fixture.get("/retrieve-data?key=a+b%2Fc")
                #expect(reply.body == #"{"message":["a b/c","a b/c"],"cache":false}"#)
            }
        }
    }

    @Test func aOneMebibyteValueArrivesWholeFreshAndThenFromTheCache() async throws {
        try await withTemporaryDirectory { directory in
            // The first run prints 1 MiB of JSON; every later run fails, so the cache answers.
            let script = try writeScript(
                directory + "/big",
                """
                if [ -e "\(directory)/ran" ]; then exit 1; fi
                touch "\(directory)/ran"
                printf '"'; head -c 1048000 /dev/zero | tr '\\0' 'x'; printf '"'
                """
            )
            try await PunctualFixture.with([
                "--source", "command", "--command", script, "--timeout", "10", "--retry-after", "0",
            ]) { fixture in
                let value = "\"" + String(repeating: "x", count: 1_048_000) + "\""
                let fresh = try await fixture.get()
                #expect(fresh.status == 200)
                #expect(fresh.body == #"{"message":"# + value + #","cache":false}"#, "the fresh answer, byte for byte")
                let cached = try await fixture.concurrent(4)
                for reply in cached {
                    #expect(reply.status == 200)
                    #expect(
                        reply.body == #"{"message":"# + value + #","cache":true}"#,
                        "the cached answer, byte for byte"
                    )
                }
            }
        }
    }

    @Test func aFailingOrNonJSONCommandIsServedFromTheCacheAndLogged() async throws {
        try await withTemporaryDirectory { directory in
            let script = try writeScript(directory + "/broken", "echo 'not json'; echo 'it broke' >&2")
            try await PunctualFixture.with(["--source", "command", "--command", script, "--timeout", "5"]) { fixture in
                let reply = try await fixture.get()
                #expect(reply.status == 200)
                #expect(reply.headers["cache-status"] == "punctual; hit; fwd=stale; detail=error")
                #expect(try RecipeAnswer(reply).cache, "the seed answers")
                #expect(await eventually { fixture.punctual.log.contains("it broke") }, "stderr reaches the log")
            }
        }
    }

    @Test func aCommandThatIgnoresSIGTERMNeverHoldsMoreThanMaxRetrievalsSlots() async throws {
        try await withTemporaryDirectory { directory in
            // Each run records its pid and outlives SIGTERM (sleep inherits the ignored signal).
            let script = try writeScript(
                directory + "/stubborn",
                """
                trap '' TERM
                echo $$ >> "\(directory)/pids"
                sleep 30
                echo 1
                """
            )
            try await PunctualFixture.with([
                "--source", "command", "--command", script, "--timeout", "0.2", "--max-retrievals", "4",
                "--max-retrieval", "1",
            ]) { fixture in
                let replies = try await fixture.concurrent(16, path: "/retrieve-data?key=k")
                #expect(replies.allSatisfy { $0.status == 504 || $0.status == 503 || $0.status == 200 })
                var most = 0
                for index in 0..<10 {
                    _ = try await fixture.get("/retrieve-data?key=k\(index)")
                    most = max(most, livePIDs(in: directory + "/pids"))
                }
                #expect(most <= 4, "live retrievals never exceed --max-retrievals")
                // Past the budget and the grace, every stubborn process is gone.
                #expect(await eventually(timeout: .seconds(20)) { livePIDs(in: directory + "/pids") == 0 })
            }
        }
    }
}

/// How many of the pids listed in `path` are still alive.
func livePIDs(in path: String) -> Int {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").compactMap { Int32($0) }.filter { kill($0, 0) == 0 }.count
}
