import AsyncHTTPClient
import NIOCore
import NIOPosix
import PunctualJSON

#if canImport(Glibc)
import Glibc
#endif

extension HTTPSource {
    /// Why a GET gave no value. The engine serves the last good value instead; the
    /// description is what the log says.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// The server answered with a status outside 2xx: "status 500".
        case status(Int)
        /// The body is longer than `maxValueBytes`: "body over 1048576 bytes". Reading
        /// stopped there and the request was cancelled.
        case bodyTooLarge(limit: Int)
        /// The body is not one JSON value: "not a JSON value: …".
        case notJSON(JSONFragment.Invalid)
        /// Nothing listens at the URL's host and port: "connection refused: 127.0.0.1:8080".
        case connectionRefused(String)
        /// The connection could not be made for another reason (DNS, unreachable, TLS, or
        /// the connect time-out): "could not connect: …".
        case connectFailed(String)
        /// The whole answer, body included, did not arrive within the request time-out.
        case timedOut(Duration)
        /// The connection broke while the request or answer was under way.
        case transport(String)
        /// The source's client is shut down: the service has stopped.
        case shutDown

        public var description: String {
            switch self {
            case .status(let code): "status \(code)"
            case .bodyTooLarge(let limit): "body over \(limit) bytes"
            case .notJSON(let invalid): invalid.description
            case .connectionRefused(let target): "connection refused: \(target)"
            case .connectFailed(let reason): "could not connect: \(reason)"
            case .timedOut(let timeout): "no whole answer within \(timeout)"
            case .transport(let reason): "request failed: \(reason)"
            case .shutDown: "the HTTP client is shut down"
            }
        }
    }
}

extension HTTPSource.Failure {
    /// The failure an error from AsyncHTTPClient or SwiftNIO stands for, on a request to
    /// `target` ("host:port").
    init(_ error: any Error, target: String, timeout: Duration) {
        switch error {
        case let failure as Self:
            self = failure
        case let error as HTTPClientError:
            self = Self(error, timeout: timeout)
        case let error as NIOConnectionError:
            let refused = error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            self =
                refused
                ? .connectionRefused("\(error.host):\(error.port)") : .connectFailed(String(describing: error))
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            self = .connectionRefused(target)
        default:
            self = .transport(String(describing: error))
        }
    }

    private init(_ error: HTTPClientError, timeout: Duration) {
        switch error {
        case .deadlineExceeded, .readTimeout:
            self = .timedOut(timeout)
        case .connectTimeout:
            self = .connectFailed("no connection within \(HTTPSource.connectTimeout)")
        case .remoteConnectionClosed:
            self = .transport("the server closed the connection before the answer ended")
        case .alreadyShutdown:
            self = .shutDown
        default:
            self = .transport(String(describing: error))
        }
    }
}
