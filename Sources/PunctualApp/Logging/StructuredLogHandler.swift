import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A `LogHandler` that writes each event as one logfmt or JSON line to stderr, with the
/// time, the level, the process's pid and role, the message and its metadata.
///
/// Each line goes out in one `write(2)`, so lines from the supervisor and its worker, which
/// share stderr, never interleave. The pid is the process's own, read once: a worker is
/// started with `posix_spawn`, never forked, so its lines show its own pid.
public struct StructuredLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let format: LogFormat
    private let label: String
    /// `supervisor` or `worker` (nil when the process runs alone).
    private let role: String?

    private static let pid = String(getpid())

    public init(label: String, format: LogFormat, level: Logger.Level, role: String? = nil) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.role = role
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("time", LogTime.now()), ("level", event.level.rawValue), ("pid", Self.pid),
        ]
        if let role { fields.append(("role", role)) }
        fields.append(("msg", "\(event.message)"))
        // Most lines carry only their own metadata: merged only when there is more.
        var all = event.metadata ?? [:]
        if !metadata.isEmpty || metadataProvider != nil {
            all = metadata
            if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
            if let extra = event.metadata { all.merge(extra) { _, new in new } }
        }
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            fields.append((key, "\(value)"))
        }
        var line = format == .json ? LogLine.json(fields) : LogLine.logfmt(fields)
        line.append(0x0A)
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return  // stderr is closed or failing: the line is dropped.
                }
            }
        }
    }
}

/// Renders fields as one line, escaped so that no value can break it or forge a field.
enum LogLine {
    /// `key=value`, quoted (with `\"`, `\\`, `\n` escaped) when the value has spaces, `=`
    /// or quotes, or is empty.
    static func logfmt(_ fields: [(String, String)]) -> [UInt8] {
        var line: [UInt8] = []
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { line.append(0x20) }
            line.append(contentsOf: key.utf8)
            line.append(UInt8(ascii: "="))
            let needsQuotes =
                value.isEmpty
                || value.utf8.contains { $0 <= 0x20 || $0 == 0x22 || $0 == 0x3D || $0 == 0x5C || $0 == 0x7F }
            if needsQuotes {
                appendQuoted(value, to: &line)
            } else {
                line.append(contentsOf: value.utf8)
            }
        }
        return line
    }

    /// `{"key":"value",…}`; every value is a JSON string.
    static func json(_ fields: [(String, String)]) -> [UInt8] {
        var line: [UInt8] = [UInt8(ascii: "{")]
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { line.append(UInt8(ascii: ",")) }
            appendQuoted(key, to: &line)
            line.append(UInt8(ascii: ":"))
            appendQuoted(value, to: &line)
        }
        line.append(UInt8(ascii: "}"))
        return line
    }

    /// A double-quoted string with JSON's escapes, which logfmt parsers read too.
    private static func appendQuoted(_ text: String, to line: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        line.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: line.append(contentsOf: [0x5C, 0x22])
            case 0x5C: line.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: line.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: line.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: line.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                line.append(contentsOf: Array("\\u00".utf8))
                line.append(hex[Int(byte >> 4)])
                line.append(hex[Int(byte & 0xF)])
            default: line.append(byte)
            }
        }
        line.append(0x22)
    }
}

/// `2026-12-02T10:15:00.123Z`: now, in UTC, to the millisecond.
enum LogTime {
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Written digit by digit: this runs for every line, at every request not fresh.
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var index = 0
            func put(_ value: Int, _ width: Int, then separator: UInt8?) {
                var rest = value
                for position in stride(from: index + width - 1, through: index, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                index += width
                if let separator {
                    buffer[index] = separator
                    index += 1
                }
            }
            put(Int(parts.tm_year) + 1900, 4, then: UInt8(ascii: "-"))
            put(Int(parts.tm_mon) + 1, 2, then: UInt8(ascii: "-"))
            put(Int(parts.tm_mday), 2, then: UInt8(ascii: "T"))
            put(Int(parts.tm_hour), 2, then: UInt8(ascii: ":"))
            put(Int(parts.tm_min), 2, then: UInt8(ascii: ":"))
            put(Int(parts.tm_sec), 2, then: UInt8(ascii: "."))
            put(spec.tv_nsec / 1_000_000, 3, then: UInt8(ascii: "Z"))
            return index
        }
    }
}
