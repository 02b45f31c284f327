/// Duration statistics over a window of samples (platform.md §2.2), pure.
///
/// Percentiles interpolate linearly between closest ranks of the sorted samples: position
/// `k = (n − 1) × p`, lower index `f = ⌊k⌋`, value `x[f] + (k − f) × (x[f+1] − x[f])`, or `x[f]` at the end.
/// `p` is taken in whole percent and `k` is computed in integers, so `k − f` is the exact fraction (for
/// 1…10, p95 is 9 + 0.55 × 1 = 9.55, not 9.549999… as `9 × 0.95` in binary floating point would give).
public struct JobStatistics: Sendable, Equatable {
    /// Number of samples (the original's `sample_count`).
    public let count: Int
    public let mean: Double?
    public let min: Double?
    public let max: Double?
    public let p50: Double?
    public let p95: Double?
    public let p99: Double?

    /// Statistics of `samples` (any order). With no samples every value is nil and `count` is 0.
    public init(samples: [Double]) {
        let sorted = samples.sorted()
        count = sorted.count
        mean = sorted.isEmpty ? nil : sorted.reduce(0, +) / Double(sorted.count)
        min = sorted.first
        max = sorted.last
        p50 = Self.percentile(sorted, percent: 50)
        p95 = Self.percentile(sorted, percent: 95)
        p99 = Self.percentile(sorted, percent: 99)
    }

    /// The `percent`-th percentile of ascending `sorted` (0…100), or nil when it is empty.
    public static func percentile(_ sorted: [Double], percent: Int) -> Double? {
        guard !sorted.isEmpty else { return nil }
        precondition((0...100).contains(percent), "percent must be within 0…100")
        let scaled = (sorted.count - 1) * percent  // k × 100
        let f = scaled / 100
        let fraction = Double(scaled % 100) / 100
        guard f + 1 < sorted.count else { return sorted[f] }
        return sorted[f] + fraction * (sorted[f + 1] - sorted[f])
    }
}
