import PunctualJSON
import FastCGI

/// JSON answers in the shapes the API promises: `{"message": …, "cache": …}` for data,
/// `{"error": "…"}` for everything else (a short message, never internals).
enum HTTPAnswer {
    static let jsonContentType = (name: "Content-Type", value: "application/json")

    /// The recipe's body: the value and whether it came from the cache.
    static func data(
        _ value: JSONFragment,
        cached: Bool,
        headers: [(name: String, value: String)] = []
    ) -> FastCGIResponse {
        var body = Array(#"{"message":"#.utf8)
        body += value.bytes
        body += Array((cached ? #","cache":true}"# : #","cache":false}"#).utf8)
        return FastCGIResponse(status: 200, headers: [jsonContentType] + headers, body: body)
    }

    static func error(
        _ status: Int,
        _ message: String,
        headers: [(name: String, value: String)] = []
    ) -> FastCGIResponse {
        var body = Array(#"{"error":"#.utf8)
        body += JSONFragment(string: message).bytes
        body.append(UInt8(ascii: "}"))
        return FastCGIResponse(status: status, headers: [jsonContentType] + headers, body: body)
    }
}
