import Synchronization

/// How long answers to `/retrieve-data` took, in fixed buckets: the status page's chart.
final class LatencyHistogram: Sendable {
    /// Upper bounds of the buckets; the last bucket takes the rest.
    static let bounds: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    private final class Bucket: Sendable {
        let count = Atomic<Int>(0)
    }

    private let counts: [Bucket]

    init() {
        counts = (0...Self.bounds.count).map { _ in Bucket() }
    }

    func record(_ duration: Duration) {
        let index = Self.bounds.firstIndex { duration <= $0 } ?? Self.bounds.count
        counts[index].count.add(1, ordering: .relaxed)
    }

    /// Each bucket's label (`≤ 5 ms`, …, `> 10 s`) and count.
    var buckets: [(label: String, count: Int)] {
        var labels = Self.bounds.map { "≤ " + Self.show($0) }
        labels.append("> " + Self.show(Self.bounds.last ?? .zero))
        return zip(labels, counts.map { $0.count.load(ordering: .relaxed) }).map { ($0, $1) }
    }

    private static func show(_ duration: Duration) -> String {
        let milliseconds = Int(duration.seconds * 1000)
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        let seconds = duration.seconds
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}
