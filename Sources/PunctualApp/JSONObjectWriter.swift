import PunctualJSON

/// Builds one JSON object, member by member, without Foundation: the status page's body.
///
/// ```swift
/// var json = JSONObjectWriter()
/// json.add("uptime_seconds", 12.5)
/// json.add("cache") { $0.add("entries", 3) }
/// let body = json.finish()
/// ```
struct JSONObjectWriter {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var isFirst = true

    private mutating func key(_ name: String) {
        if !isFirst { bytes.append(UInt8(ascii: ",")) }
        isFirst = false
        bytes += JSONFragment(string: name).bytes
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func add(_ name: String, _ value: Int) {
        key(name)
        bytes += Array(String(value).utf8)
    }

    mutating func add(_ name: String, _ value: Double?) {
        key(name)
        guard let value, value.isFinite else {
            bytes += Array("null".utf8)
            return
        }
        bytes += JSONFragment(number: value).bytes
    }

    mutating func add(_ name: String, _ value: String?) {
        key(name)
        bytes += value.map { JSONFragment(string: $0).bytes } ?? Array("null".utf8)
    }

    mutating func addNull(_ name: String) {
        key(name)
        bytes += Array("null".utf8)
    }

    /// A nested object.
    mutating func add(_ name: String, object body: (inout JSONObjectWriter) -> Void) {
        key(name)
        var nested = JSONObjectWriter()
        body(&nested)
        bytes += nested.finish()
    }

    func finish() -> [UInt8] {
        bytes + [UInt8(ascii: "}")]
    }
}
