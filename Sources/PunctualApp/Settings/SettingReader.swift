/// Reads typed values out of the layers, refusing bad ones with where they were given.
struct SettingReader {
    let layers: SettingLayers

    /// The highest origin among the options read so far that were given: where a
    /// combination error (two options that exclude each other) is reported.
    func given(_ name: String) -> GivenSetting? { layers.given(name) }

    func text(_ name: String) -> (value: String, given: GivenSetting)? {
        guard let given = layers.given(name) else { return nil }
        return (given.text, given)
    }

    /// Seconds: a finite number, positive (or also zero with `allowingZero`).
    func seconds(_ name: String, default value: Double, allowingZero: Bool = false) throws(SettingError) -> Double {
        guard let given = layers.given(name) else { return value }
        guard let seconds = Double(given.text), seconds.isFinite else {
            throw SettingError(given, "not a number of seconds")
        }
        if allowingZero {
            guard seconds >= 0 else { throw SettingError(given, "must be zero or a positive number of seconds") }
        } else {
            guard seconds > 0 else { throw SettingError(given, "must be a positive number of seconds") }
        }
        return seconds
    }

    /// A whole number of at least `minimum`.
    func count(
        _ name: String,
        default value: Int,
        minimum: Int = 1,
        maximum: Int = Int(Int32.max)
    ) throws(SettingError) -> Int {
        guard let given = layers.given(name) else { return value }
        guard let count = Int(given.text) else { throw SettingError(given, "not a whole number") }
        guard count >= minimum else { throw SettingError(given, "must be at least \(minimum)") }
        guard count <= maximum else { throw SettingError(given, "must be at most \(maximum)") }
        return count
    }

    /// One of `choices`.
    func choice(_ name: String, default value: String, of choices: [String]) throws(SettingError) -> String {
        guard let given = layers.given(name) else { return value }
        guard choices.contains(given.text) else {
            let listed = choices.dropLast().joined(separator: ", ") + " or " + (choices.last ?? "")
            throw SettingError(given, "must be \(listed)")
        }
        return given.text
    }

    /// A switch: given on the command line, or `true`/`false` elsewhere.
    func flag(_ name: String) throws(SettingError) -> Bool {
        guard let given = layers.given(name) else { return false }
        if given.origin == .commandLine { return true }
        switch given.text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw SettingError(given, "must be true or false")
        }
    }

    /// Refuses `name` when it is given at least as high as `deciding` but `applies` is false:
    /// `--command` given next to `--source http`. Given lower, it is overridden and ignored.
    func refuse(
        _ name: String,
        unless applies: Bool,
        over deciding: GivenSetting?,
        _ problem: String
    ) throws(SettingError) {
        guard !applies, let given = layers.given(name) else { return }
        if let deciding, given.origin < deciding.origin { return }
        throw SettingError(given, problem)
    }
}
