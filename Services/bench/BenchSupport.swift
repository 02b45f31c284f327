import Foundation
// What the benchmarks share: latency percentiles, peak memory, flushed progress lines.

/// Percentiles of a set of latencies, in milliseconds.
struct LatencySummary: CustomStringConvertible {
    let count: Int
    let p50: Double
    let p90: Double
    let p99: Double
    let max: Double

    init(milliseconds values: [Double]) {
        let sorted = values.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return .nan }
            let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank))]
        }
        count = sorted.count
        p50 = percentile(50); p90 = percentile(90); p99 = percentile(99); max = sorted.last ?? .nan
    }

    var description: String {
        String(format: "n=%d  p50=%.1f ms  p90=%.1f ms  p99=%.1f ms  max=%.1f ms", count, p50, p90, p99, max)
    }
}

/// Peak resident memory of this process (Linux `getrusage` reports kilobytes).
func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// Prints and flushes: stdout is block-buffered when it goes to a file or a pipe, and a benchmark runs for
/// minutes.
func progress(_ text: String) {
    print(text)
    fflush(nil)
}
