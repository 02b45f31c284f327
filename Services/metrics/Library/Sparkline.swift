import Foundation

/// A small inline SVG line of recent run durations: one point per run, oldest left, scaled to the
/// longest; failed runs are red dots.
public enum Sparkline {
    public static let defaultPoints = 30

    /// The SVG for `runs` (only those with a duration are drawn), or an em dash when there are none.
    public static func svg(_ runs: [FinishedRun], width: Int = 104, height: Int = 22) -> String {
        let points = runs.compactMap { run in run.durationMS.map { (ms: $0, failed: run.outcome == .failed) } }
        guard !points.isEmpty else { return #"<span class="muted">—</span>"# }
        let maxMS = points.map(\.ms).max() ?? 0
        let pad = 2.0
        let w = Double(width) - 2 * pad, h = Double(height) - 2 * pad
        func x(_ i: Int) -> Double { points.count == 1 ? pad + w / 2 : pad + w * Double(i) / Double(points.count - 1) }
        func y(_ ms: Double) -> Double { pad + h - (maxMS > 0 ? ms / maxMS * h : 0) }
        let coordinates = points.indices.map { "\(fmt(x($0))),\(fmt(y(points[$0].ms)))" }
        let label = "last \(points.count) durations, longest \(DurationText.format(ms: maxMS))"
        var svg = #"<svg class="spark" xmlns="http://www.w3.org/2000/svg" width="\#(width)" height="\#(height)" "#
            + #"viewBox="0 0 \#(width) \#(height)" role="img" aria-label="\#(HTML.escape(label))">"#
            + "<title>\(HTML.escape(label))</title>"
        if points.count > 1 {
            svg += ##"<polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="\##(coordinates.joined(separator: " "))"/>"##
        }
        for (i, point) in points.enumerated() where point.failed || i == points.count - 1 {
            let color = point.failed ? "#dc2626" : "#2563eb"
            svg += #"<circle cx="\#(fmt(x(i)))" cy="\#(fmt(y(point.ms)))" r="2" fill="\#(color)"/>"#
        }
        return svg + "</svg>"
    }

    private static func fmt(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(abs(tenths % 10))"
    }
}
