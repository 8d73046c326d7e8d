import Foundation
import Synchronization

/// Clients that each send one request after another (a new connection each, `Connection:
/// close`) to 127.0.0.1:`port` until stopped, all from one thread of their own; every
/// request is recorded with its start, end and status (0 when the connection failed).
public final class ClosedLoopLoad: Sendable {
    public struct Record: Sendable {
        public let client: Int
        public let startedAt: ContinuousClock.Instant
        public let endedAt: ContinuousClock.Instant
        public let status: Int
    }

    private let stopping = Atomic<Bool>(false)
    private let finished = Mutex<[Record]?>(nil)

    /// Starts `clients` clients; client `i` asks for `path(i)` and pauses `pause` between requests.
    public init(port: UInt16, clients: Int, pause: Duration = .zero, path: @escaping @Sendable (Int) -> String) {
        let thread = Thread { [self] in
            let records = Self.run(port: port, clients: clients, pause: pause, path: path, stopping: stopping)
            finished.withLock { $0 = records }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops sending, lets the requests under way finish (up to 30 s), and returns every record.
    public func stop() async -> [Record] {
        stopping.store(true, ordering: .relaxed)
        while true {
            if let records = finished.withLock({ $0 }) { return records }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    private struct Client {
        var fd: Int32 = -1
        var startedAt = ContinuousClock.now
        var received: [UInt8] = []
        var nextAt = ContinuousClock.now
    }

    private static func run(
        port: UInt16,
        clients count: Int,
        pause: Duration,
        path: (Int) -> String,
        stopping: borrowing Atomic<Bool>
    ) -> [Record] {
        var clients = [Client](repeating: Client(), count: count)
        var records: [Record] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        var drainDeadline: ContinuousClock.Instant?
        func finish(_ index: Int, status: Int) {
            records.append(
                Record(client: index, startedAt: clients[index].startedAt, endedAt: .now, status: status)
            )
            if clients[index].fd >= 0 { close(clients[index].fd) }
            clients[index].fd = -1
            clients[index].received = []
            clients[index].nextAt = .now + pause
        }
        while true {
            let stop = stopping.load(ordering: .relaxed)
            if stop, drainDeadline == nil { drainDeadline = .now + .seconds(30) }
            let now = ContinuousClock.now
            for index in clients.indices where clients[index].fd < 0 && !stop && clients[index].nextAt <= now {
                clients[index].startedAt = now
                guard let fd = try? Sockets.connectLoopback(port: port) else {
                    finish(index, status: 0)
                    continue
                }
                clients[index].fd = fd
                let request = Array(
                    "GET \(path(index)) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8
                )
                if request.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) != request.count {
                    finish(index, status: 0)
                }
            }
            let open = clients.indices.filter { clients[$0].fd >= 0 }
            if stop, open.isEmpty || drainDeadline.map({ $0 < .now }) == true { break }
            var polls = open.map { pollfd(fd: clients[$0].fd, events: Int16(POLLIN), revents: 0) }
            _ = poll(&polls, nfds_t(polls.count), 5)
            for (slot, entry) in polls.enumerated() where entry.revents != 0 {
                let index = open[slot]
                let got = buffer.withUnsafeMutableBytes { read(clients[index].fd, $0.baseAddress, $0.count) }
                if got > 0 {
                    clients[index].received += buffer[..<got]
                } else {
                    let reply = HTTPClient.parse(clients[index].received, latency: .zero)
                    finish(index, status: got == 0 ? reply.status : 0)
                }
            }
        }
        for client in clients where client.fd >= 0 { close(client.fd) }
        return records
    }
}
