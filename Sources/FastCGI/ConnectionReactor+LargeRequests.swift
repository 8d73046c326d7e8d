import CPunctualFCGI
import Logging

#if canImport(Glibc)
import Glibc
#endif

// Requests that do not arrive whole in one peek: read off the socket record by record,
// within the limits, and handed to libfcgi through the replay file.
extension ConnectionReactor {
    /// What the server answers itself when the parameters exceed `maxParamsBytes`, rather
    /// than dropping the connection (which nginx would turn into a 502).
    static let parametersTooLarge = FastCGIResponse(
        status: 431,
        headers: [("Content-Type", "application/json")],
        body: Array(#"{"error":"request header fields too large"}"#.utf8)
    )

    /// Reads more of a request that did not arrive whole, exactly as many bytes as it
    /// certainly still has (never a byte of whatever follows), until it is complete or a
    /// limit is reached. The connection holds what has arrived so far: at most the limits,
    /// and only while such a request arrives.
    func readRequestPiecewise(on connection: ReactorConnection) {
        var stored = connection.partialRequest ?? []
        connection.partialRequest = nil
        while true {
            switch stored.withUnsafeBytes({ scanner.scan($0) }) {
            case let .incomplete(needed):
                let count = recv(
                    connection.fcgi.descriptor,
                    peekBuffer.baseAddress,
                    min(needed, peekBuffer.count),
                    Int32(MSG_DONTWAIT)
                )
                if count < 0, errno == EINTR { continue }
                if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                    connection.partialRequest = stored
                    if connection.readDeadline == nil {
                        connection.readDeadline = clock.now + configuration.requestReadTimeout
                    }
                    return
                }
                guard count > 0 else {
                    close(connection, reason: count == 0 ? "peer closed" : SystemError("recv").description)
                    return
                }
                stored.append(contentsOf: UnsafeRawBufferPointer(rebasing: peekBuffer[..<count]))
            case .complete:
                begin(replay(stored, on: connection, bodyExceededLimit: false), on: connection)
                return
            case let .bodyTooLarge(bodyStart):
                // The parameters and an empty body: the handler sees `bodyExceededLimit`,
                // and the rest of the body is dropped once it has answered.
                let request = Array(stored[..<bodyStart]) + Self.emptyRecord(type: 5, for: stored)
                begin(replay(request, on: connection, bodyExceededLimit: true), on: connection)
                return
            case let .paramsTooLarge(paramsStart):
                refuseParameters(beginRecord: Array(stored[..<paramsStart]), on: connection)
                return
            case let .invalid(reason):
                statistics.connectionRefused()
                logger.info("broken FastCGI stream: closing", metadata: ["reason": "\(reason)"])
                close(connection, reason: "refused: \(reason)")
                return
            }
        }
    }

    /// Answers 431 for a request whose parameters exceed the limit, then drops the rest of
    /// it. libfcgi still frames the answer: it reads the request's BEGIN_REQUEST with empty
    /// parameters and body, so that it knows the request id.
    func refuseParameters(beginRecord: [UInt8], on connection: ReactorConnection) {
        let request =
            beginRecord + Self.emptyRecord(type: 4, for: beginRecord) + Self.emptyRecord(type: 5, for: beginRecord)
        guard replay(request, on: connection, bodyExceededLimit: true) != nil else {
            close(connection, reason: "libfcgi refused the request")
            return
        }
        logger.info(
            "refused",
            metadata: [
                "status": "431", "problem": "parameters over the limit",
                "connection": "\(connection.token)", "limit": "\(configuration.maxParamsBytes)",
            ]
        )
        connection.readDeadline = nil
        handlingCount += 1
        statistics.requestStarted()
        answer(Self.parametersTooLarge, on: connection, unreadBody: true)
    }

    private func replay(
        _ request: [UInt8],
        on connection: ReactorConnection,
        bodyExceededLimit: Bool
    ) -> FastCGIRequest? {
        guard let descriptor = replayFile.load(request) else { return nil }
        defer { replayFile.clear() }
        return connection.fcgi.readReplayedRequest(from: descriptor, bodyExceededLimit: bodyExceededLimit)
    }

    /// An empty record of `type` for the request whose BEGIN_REQUEST starts `request`.
    private static func emptyRecord(type: UInt8, for request: [UInt8]) -> [UInt8] {
        [1, type, request[2], request[3], 0, 0, 0, 0]
    }
}
