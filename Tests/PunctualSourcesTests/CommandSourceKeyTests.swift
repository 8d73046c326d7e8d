import Foundation
import Logging
import PunctualJSON
import PunctualSources
import PunctualTestSupport
import Testing

/// The key reaches the command verbatim, and the command's standard error reaches the log.
@Suite(.timeLimit(.minutes(2))) struct CommandSourceKeyTests {
    @Test("A key full of shell syntax arrives verbatim in PUNCTUAL_KEY and {key}, and runs nothing")
    func keyArrivesVerbatim() async throws {
        try await withTemporaryDirectory { folder in
            let key = "; $(touch pwned) \"' \n`touch pwned2` *"
            let script = try CommandScripts.write(
                """
                cd \(folder)
                printf '%s' "$PUNCTUAL_KEY" > env.txt
                printf '%s' "$1" > first.txt
                printf '%s' "$2" > second.txt
                printf '%s' "$3" > third.txt
                echo '"ok"'
                """,
                in: folder
            )
            let source = try CommandSource.forTest(script, arguments: ["{key}", "x{key}", "{key}"])
            #expect(try await source.retrieve(key).description == "\"ok\"")
            let keyBytes = Array(key.utf8)
            func contents(_ name: String) -> [UInt8]? {
                FileManager.default.contents(atPath: folder + "/" + name).map(Array.init)
            }
            #expect(contents("env.txt") == keyBytes)
            #expect(contents("first.txt") == keyBytes)
            #expect(contents("second.txt") == Array("x{key}".utf8))
            #expect(contents("third.txt") == keyBytes)
            for name in ["pwned", "pwned2"] {
                #expect(!FileManager.default.fileExists(atPath: folder + "/" + name))
                #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/" + name))
            }
        }
    }

    @Test("A key holding a NUL byte is refused before anything runs")
    func keyWithNUL() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write("touch \(folder)/ran\necho 1", in: folder)
            await #expect(throws: CommandSource.Failure.keyHoldsNUL) {
                try await CommandSource.forTest(script).retrieve("a\u{0}b")
            }
            #expect(!FileManager.default.fileExists(atPath: folder + "/ran"))
        }
    }

    @Test("Standard error is logged at info with the pid and the key")
    func standardErrorIsLogged() async throws {
        try await withTemporaryDirectory { folder in
            let script = try CommandScripts.write(
                "echo $$ > \(folder)/leader.pid\necho 'upstream is slow' >&2\nexit 4",
                in: folder
            )
            let (logger, log) = CapturingLogHandler.logger()
            await #expect(throws: CommandSource.Failure.exited(status: 4)) {
                try await CommandSource.forTest(script, logger: logger).retrieve("the key")
            }
            let leader = try #require(await CommandScripts.pid(in: folder, "leader.pid"))
            let record = try #require(log.all.first { $0.message.contains("upstream is slow") })
            #expect(record.level == .info)
            #expect(record.metadata["pid"] == "\(leader)")
            #expect(record.metadata["key"] == "the key")
            #expect(record.metadata["truncated"] == nil)
        }
    }

    @Test("A flood on standard error is logged bounded and does not stall the command")
    func standardErrorIsBounded() async throws {
        try await withTemporaryDirectory { folder in
            // 200 000 bytes on standard error, far more than a pipe holds, then the value.
            let script = try CommandScripts.write(
                "i=0\nwhile [ $i -lt 2000 ]; do printf '%0100d' 0 >&2; i=$((i+1)); done\necho 7",
                in: folder
            )
            let (logger, log) = CapturingLogHandler.logger()
            #expect(try await CommandSource.forTest(script, logger: logger).retrieve("k").description == "7")
            let record = try #require(log.all.first { $0.message.contains("000000") })
            #expect(record.metadata["truncated"] == "true")
            #expect(record.message.utf8.count < CommandSource.loggedErrorBytes + 100)
            #expect(record.message.hasSuffix(String(repeating: "0", count: 100)))
        }
    }
}
