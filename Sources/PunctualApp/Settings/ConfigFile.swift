#if canImport(Glibc)
import Glibc
#endif

/// The `--config` file: one `name = value` per line, names as the long options have them.
///
/// ```
/// # /etc/punctual/punctual.conf
/// timeout = 2
/// on-timeout = refresh
/// source = command
/// command = /usr/local/bin/report
/// arg = --region
/// arg = {key}
/// ```
///
/// Blank lines and lines starting with `#` are skipped; a value may be wrapped in double
/// quotes to keep leading or trailing spaces. An unknown name, a line without `=`, or a
/// single-valued name given twice is refused with the file and line, like a bad value.
public struct ConfigFile: Sendable, Equatable {
    public let path: String
    /// Each name's values and the line of its first one.
    let entries: [String: (texts: [String], line: Int)]

    public static func == (lhs: ConfigFile, rhs: ConfigFile) -> Bool {
        lhs.path == rhs.path && lhs.entries.mapValues(\.texts) == rhs.entries.mapValues(\.texts)
    }

    /// Parses `contents` as the file at `path` (which only names it in messages).
    public init(path: String, contents: String) throws(SettingError) {
        self.path = path
        var entries: [String: (texts: [String], line: Int)] = [:]
        for (index, rawLine) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let origin = SettingOrigin.file(path: path, line: lineNumber)
            guard let equals = line.firstIndex(of: "=") else {
                throw SettingError(origin: origin, "\(path):\(lineNumber): expected `name = value`, found `\(line)`")
            }
            let name = String(line[..<equals].trimmingSpaces())
            var value = line[line.index(after: equals)...].trimmingSpaces()
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = value.dropFirst().dropLast()
            }
            guard SettingNames.all.contains(name) else {
                throw SettingError(origin: origin, "\(path):\(lineNumber): unknown option `\(name)`")
            }
            if let earlier = entries[name] {
                guard SettingNames.repeatable.contains(name) else {
                    throw SettingError(
                        origin: origin,
                        "\(path):\(lineNumber): `\(name)` was already given on line \(earlier.line)"
                    )
                }
                entries[name]?.texts.append(String(value))
            } else {
                entries[name] = ([String(value)], lineNumber)
            }
        }
        self.entries = entries
    }

    /// Reads and parses the file at `path`; one that cannot be read is refused.
    public static func load(path: String, origin: SettingOrigin) throws(SettingError) -> ConfigFile {
        guard let file = fopen(path, "r") else {
            let reason = String(cString: strerror(errno))
            throw SettingError(origin: origin, "\(origin.show("config", path)): cannot read it: \(reason)")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            guard bytes.count <= 1 << 20 else {
                throw SettingError(origin: origin, "\(origin.show("config", path)): larger than 1 MiB")
            }
        }
        guard ferror(file) == 0 else {
            throw SettingError(origin: origin, "\(origin.show("config", path)): cannot read it")
        }
        guard let contents = String(validating: bytes, as: UTF8.self) else {
            throw SettingError(origin: origin, "\(origin.show("config", path)): not UTF-8 text")
        }
        return try ConfigFile(path: path, contents: contents)
    }

    /// The value(s) of `name`, with the line it was given on.
    func given(_ name: String) -> GivenSetting? {
        entries[name].map { GivenSetting(name: name, texts: $0.texts, origin: .file(path: path, line: $0.line)) }
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
        let last = lastIndex(where: { !isSpace($0) })!
        return self[first...last]
    }
}
