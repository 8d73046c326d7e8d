import PunctualJSON

extension CommandSource {
    /// Why a command gave no value. Each is an ordinary retrieval failure: the engine
    /// serves the last good value instead, and logs this description.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// The executable cannot be run (checked when the source is created).
        case invalidExecutable(String)
        /// The key holds a NUL byte, which no argument or environment variable can carry.
        case keyHoldsNUL
        /// The command could not be started or its output read (the operating system's reason).
        case couldNotRun(String)
        /// It exited with a status other than 0.
        case exited(status: Int32)
        /// A signal ended it (and not because its output was over the cap).
        case killed(signal: Int32)
        /// It wrote more than `limit` bytes to its standard output, and was killed for it.
        case outputTooLarge(limit: Int)
        /// Its standard output is not one JSON value.
        case notJSON(JSONFragment.Invalid)

        public var description: String {
            switch self {
            case .invalidExecutable(let problem): problem
            case .keyHoldsNUL: "the key holds a NUL byte, which a command cannot be given"
            case .couldNotRun(let reason): "could not run the command: \(reason)"
            case .exited(let status): "exited with status \(status)"
            case .killed(let signal): "killed by signal \(signal)"
            case .outputTooLarge(let limit): "output over \(limit) bytes"
            case .notJSON(let invalid): invalid.description
            }
        }
    }
}
