#if canImport(Glibc)
import Glibc
#endif

/// A failed system or libfcgi call: which operation, and the `errno` it left.
///
/// Carries the operation so a start-up failure reads as
/// "bind(/run/punctual/punctual.sock): Address already in use" rather than a bare code.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    /// The call or step that failed, with its argument where that helps (a path, an address).
    public let operation: String
    /// The `errno` value, or 0 when the failure is not an `errno` one.
    public let code: Int32

    public init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String {
        code == 0 ? operation : "\(operation): \(String(cString: strerror(code)))"
    }
}
