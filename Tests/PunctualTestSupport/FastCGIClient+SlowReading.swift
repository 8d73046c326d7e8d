import Foundation

extension FastCGIClient {
    /// Reads an answer as a slow peer would: waits `initialPause` first (so that the
    /// server finds the socket full), then takes `chunk` bytes per read, pausing `pause`
    /// after every `pauseEvery` reads. Returns the reply and how many raw bytes it took.
    public func readReplySlowly(
        initialPause: Duration = .milliseconds(300),
        chunk: Int = 4096,
        pauseEvery: Int = 64,
        pause: Duration = .milliseconds(2)
    ) throws -> FastCGIReply {
        Thread.sleep(forTimeInterval: initialPause.seconds)
        var raw: [UInt8] = []
        var stdout: [UInt8] = []
        var parsed = 0
        var reads = 0
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            // Take every complete record read so far.
            while raw.count - parsed >= 8 {
                let contentLength = Int(raw[parsed + 4]) << 8 | Int(raw[parsed + 5])
                let recordEnd = parsed + 8 + contentLength + Int(raw[parsed + 6])
                guard raw.count >= recordEnd else { break }
                switch raw[parsed + 1] {
                case 6: stdout += raw[(parsed + 8)..<(parsed + 8 + contentLength)]
                case 3: return FastCGIReply(cgiOutput: stdout)
                default: break
                }
                parsed = recordEnd
            }
            if parsed > 1 << 20 {
                raw.removeFirst(parsed)
                parsed = 0
            }
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard got > 0 else {
                throw TestFailure(got == 0 ? "connection closed by the server" : "read failed: errno \(errno)")
            }
            raw += buffer[..<got]
            reads += 1
            if reads % pauseEvery == 0 {
                Thread.sleep(forTimeInterval: pause.seconds)
            }
        }
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
