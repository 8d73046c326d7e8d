import Foundation
import PunctualTestSupport
import Testing

/// The real binary spoken to directly over FastCGI, the way only a broken or hostile peer would.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ResponderRobustnessTests {
    @Test func garbageAndHangUpsLeaveTheResponderServing() async throws {
        try await PunctualFixture.with(["--delay", "0.05", "--timeout", "2"]) { fixture in
            let path = fixture.socketPath
            let pid = try await fixture.workerPID()
            _ = try await offPool { try FastCGIClient(unixSocket: path).request() }
            let descriptorsBefore = openDescriptorCount(pid: pid)
            try await offPool {
                for bytes in [
                    Array("GET / HTTP/1.0\r\n\r\n".utf8), [UInt8](repeating: 0, count: 4096), [1, 9, 0, 0, 0, 0, 0, 0],
                ] {
                    let client = try FastCGIClient(unixSocket: path)
                    try client.send(bytes)
                    #expect(client.isClosedByPeer(), "a broken stream gets its connection closed")
                }
                // Clients that send a request and hang up before the answer.
                for _ in 0..<50 {
                    try FastCGIClient(unixSocket: path).send(
                        FastCGIClient.requestRecords(params: FastCGIClient.nginxParams())
                    )
                }
            }
            let reply = try await offPool { try FastCGIClient(unixSocket: path).request() }
            #expect(reply.status == 200)
            #expect(fixture.punctual.isRunning)
            #expect(await eventually { openDescriptorCount(pid: pid) <= descriptorsBefore + 1 }, "no descriptor leaks")
        }
    }

    @Test func unknownPathsAndMethodsGetJSONErrorsOverFastCGI() async throws {
        try await PunctualFixture.with(["--delay", "0"]) { fixture in
            let path = fixture.socketPath
            let (notFound, notAllowed) = try await offPool {
                let client = try FastCGIClient(unixSocket: path)
                return (
                    try client.request(params: FastCGIClient.nginxParams(path: "/elsewhere")),
                    try client.request(params: FastCGIClient.nginxParams(method: "PATCH"))
                )
            }
            #expect(notFound.status == 404)
            #expect(notFound.text == #"{"error":"not found"}"#)
            #expect(notAllowed.status == 405)
            #expect(notAllowed.headers["allow"] == "GET, HEAD")
        }
    }
}

/// The command line as a user meets it.
@Suite(.timeLimit(.minutes(1))) struct CommandLineTests {
    func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await withTemporaryDirectory { directory in
            let process = try ChildProcess(builtProduct("punctual"), arguments, logPath: directory + "/out.log")
            guard await eventually({ !process.isRunning }) else {
                process.kill()
                throw TestFailure("punctual \(arguments) did not exit")
            }
            return (process.exitStatus ?? -1, process.log)
        }
    }

    @Test func helpDocumentsEveryOptionWithItsDefault() async throws {
        let (status, output) = try await run(["--help"])
        #expect(status == 0)
        for option in ["--socket", "--socket-mode", "--listen", "--timeout", "--delay", "--log-level"] {
            #expect(output.contains(option), "\(option) is documented")
        }
        for defaultValue in ["default: 5", "default: 10", "default: 660"] {
            #expect(output.contains(defaultValue), "\(defaultValue) is shown")
        }
    }

    @Test func startedBareItExplainsTheThreeWaysToListen() async throws {
        let (status, output) = try await run([])
        #expect(status != 0)
        #expect(output.contains("--socket") && output.contains("--listen") && output.contains("fd 0"), "\(output)")
        #expect(!output.contains("Fatal error"), "a message, not a crash")
    }

    @Test func itServesAListeningSocketInheritedOnDescriptorZero() async throws {
        try await withTemporaryDirectory { directory in
            // What spawn-fcgi does: bind and listen, then start the responder with the socket as fd 0.
            let path = directory + "/inherited.sock"
            let listener = try Sockets.bindUnix(path: path, listenBacklog: 128)
            defer { close(listener) }
            let process = try ChildProcess(
                builtProduct("punctual"),
                ["--delay", "0"],
                logPath: directory + "/out.log",
                standardInput: listener
            )
            defer { process.kill() }
            let reply = try await offPool { try FastCGIClient(unixSocket: path).request() }
            #expect(reply.status == 200, "\(process.log)")
            #expect(reply.text.contains(#""cache":false"#))
            #expect(await process.stop() == 0)
        }
    }

    @Test func itServesOnTCPWithListen() async throws {
        let port = try freeLoopbackPort()
        try await withTemporaryDirectory { directory in
            let process = try ChildProcess(
                builtProduct("punctual"),
                ["--listen", "127.0.0.1:\(port)", "--delay", "0"],
                logPath: directory + "/out.log"
            )
            defer { process.kill() }
            #expect(await eventually { canConnect(port: port) })
            let reply = try await offPool { try FastCGIClient(tcpPort: port).request() }
            #expect(reply.status == 200)
            #expect(await process.stop() == 0)
        }
    }
}
