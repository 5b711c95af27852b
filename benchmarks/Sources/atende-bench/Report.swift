// Report: every number a run measured, the issue's targets checked against them, and the anchor ratios; printed
// as one table on stdout and written as JSON. Measurements are keyed (e.g. "lifecycle.full.c50") so targets and
// ratios are computed from one place after all scenarios ran, whatever subset ran.

import AtendeProtocol
import Foundation

/// One measured number.
struct Measurement {
    /// Stable key, e.g. "latency.1000.p99".
    var key: String
    /// Scenario column, e.g. "1 lifecycle (full)".
    var scenario: String
    /// What was measured, e.g. "50 clients".
    var metric: String
    var value: Double
    /// "conv/s", "ms", "s", "B", "us", "ops/s", "MiB".
    var unit: String
    /// How it was measured, when that needs saying.
    var detail: String = ""
}

/// A target of the issue and whether this run met it.
struct TargetCheck {
    var name: String
    var measured: String
    var goal: String
    /// nil: not measured at the size the target speaks of.
    var met: Bool?
}

/// The results of one run.
final class Report {
    private(set) var measurements: [Measurement] = []
    private(set) var notes: [String] = []

    func add(_ key: String, _ scenario: String, _ metric: String, _ value: Double, _ unit: String,
             detail: String = "") {
        measurements.append(Measurement(key: key, scenario: scenario, metric: metric, value: value, unit: unit,
                                        detail: detail))
        Console.progress("\(scenario) \(metric): \(Format.value(value, unit))\(detail.isEmpty ? "" : "  (\(detail))")")
    }

    /// Adds a note to the table (once: the Redis anchor and the side-by-side rounds both report a missing Redis).
    func note(_ text: String) {
        guard !notes.contains(text) else { return }
        notes.append(text)
        Console.warn(text)
    }

    func value(_ key: String) -> Double? { measurements.first { $0.key == key }?.value }

    /// Ratios to the anchors at each client count, and the decision cost's other views.
    func ratios(clients: [Int], decisionSizes: [Int]) -> [(String, Double)] {
        var list: [(String, Double)] = []
        if let small = decisionSizes.min(), let large = decisionSizes.max(), small != large {
            let wide = DecisionScenario.batches[1]
            if let low = value(DecisionScenario.key(attendants: small, batch: wide)),
               let high = value(DecisionScenario.key(attendants: large, batch: wide)), low > 0 {
                list.append(("decision cost \(Format.count(large))/\(small), batches of \(wide)", high / low))
            }
            if let low = value("decision.core.\(small).cost"), let high = value("decision.core.\(large).cost"), low > 0 {
                list.append(("decision cost \(Format.count(large))/\(small), routing core alone", high / low))
            }
        }
        for count in clients {
            for durability in ["full", "normal"] {
                if let atende = value("lifecycle.\(durability).c\(count)"), let redis = value("redis.c\(count)"),
                   redis > 0 {
                    list.append(("atende(\(durability))/Redis(always), \(clientsText(count))", atende / redis))
                }
            }
            if let ratio = value("pair.ratio.c\(count)") {
                list.append(("atende(full)/Redis(always), \(clientsText(count)), side by side", ratio))
            }
            if let atende = value("lifecycle.full.c\(count)"), let echo = value("echo.c\(count)"), echo > 0 {
                list.append(("atende(full)/echo, \(clientsText(count))", atende / echo))
            }
        }
        return list
    }

    private func clientsText(_ count: Int) -> String { count == 1 ? "1 client" : "\(count) clients" }

    /// The issue's targets.
    func targets(plan: Plan) -> [TargetCheck] {
        var checks: [TargetCheck] = []
        let top = plan.clientCounts.max() ?? 50
        // Side by side (rounds in turn) when measured so; else scenario 1's and 7a's own windows.
        if let ratio = value("pair.ratio.c\(top)") {
            checks.append(TargetCheck(name: "durable lifecycle, \(top) clients, vs Redis fsync always, side by side",
                                      measured: Format.ratio(ratio), goal: ">= 1.0x", met: ratio >= 1.0))
        } else if let atende = value("lifecycle.full.c\(top)"), let redis = value("redis.c\(top)"), redis > 0 {
            let ratio = atende / redis
            checks.append(TargetCheck(name: "durable lifecycle, \(top) clients, vs Redis fsync always",
                                      measured: Format.ratio(ratio), goal: ">= 1.0x", met: ratio >= 1.0))
        }
        if let p99 = value("latency.full.1000.p99") {
            checks.append(TargetCheck(name: "latency p99 at 1k/s (full)", measured: Format.value(p99, "ms"),
                                      goal: "<= 2 ms", met: p99 <= 2.0))
        }
        if let rate = value("backlog.rate") {
            let scaled = plan.backlogChats < 100_000
            let size = scaled ? " (\(Format.count(plan.backlogChats)) waiting)" : ""
            checks.append(TargetCheck(name: "backlog drain\(size)",
                                      measured: Format.value(rate, "assign/s"), goal: ">= 50,000/s",
                                      met: rate >= 50_000))
        }
        let sizes = plan.decisionSizes
        if let small = sizes.min(), let large = sizes.max(), small != large,
           let low = value("decision.\(small).cost"), let high = value("decision.\(large).cost"), low > 0 {
            let ratio = high / low
            checks.append(TargetCheck(name: "decision cost end to end, \(Format.count(large)) vs \(small) "
                                        + "(batches of \(DecisionScenario.batches[0]))",
                                      measured: Format.ratio(ratio), goal: "<= 1.5x",
                                      met: large >= 10_000 ? ratio <= 1.5 : nil))
        }
        if let bytes = value("memory.perWaiting") {
            checks.append(TargetCheck(name: "memory per waiting conversation (\(Format.count(plan.waitingChats)))",
                                      measured: Format.value(bytes, "B"), goal: "<= 1024 B",
                                      met: plan.waitingChats >= 1_000_000 ? bytes <= 1024 : nil))
        }
        if let seconds = value("recovery.seconds") {
            checks.append(TargetCheck(name: "recovery of \(Format.count(plan.waitingChats)) waiting",
                                      measured: Format.value(seconds, "s"), goal: "<= 3 s at 1M",
                                      met: plan.waitingChats >= 1_000_000 ? seconds <= 3 : nil))
        }
        return checks
    }

    /// The table printed at the end.
    func table(plan: Plan, machine: Machine) -> String {
        var lines: [String] = []
        lines.append("atende benchmarks (\(plan.quick ? "quick" : "full") run) on \(machine.summary)")
        lines.append("")
        let rows = measurements.map { [$0.scenario, $0.metric, Format.value($0.value, $0.unit), $0.detail] }
        lines += Format.table(["scenario", "metric", "value", "how"], rows)
        let ratios = ratios(clients: plan.clientCounts, decisionSizes: plan.decisionSizes)
        if !ratios.isEmpty {
            lines.append("")
            lines += Format.table(["ratio", "value"], ratios.map { [$0.0, Format.ratio($0.1)] })
        }
        let checks = targets(plan: plan)
        if !checks.isEmpty {
            lines.append("")
            lines += Format.table(["target", "measured", "goal", "met"], checks.map {
                [$0.name, $0.measured, $0.goal, $0.met.map { $0 ? "yes" : "NO" } ?? "n/a (scaled)"]
            })
        }
        if !notes.isEmpty {
            lines.append("")
            lines += notes.map { "note: " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    /// The JSON written to the results file.
    func json(plan: Plan, machine: Machine, command: String, seconds: Double) -> [UInt8] {
        var w = JSONWriter(capacity: 8192)
        w.beginObject()
        w.field("command", command)
        w.field("quick", plan.quick)
        w.field("date", Date().ISO8601Format())
        w.field("seconds", (seconds * 10).rounded() / 10)
        w.key("machine")
        machine.write(&w)
        w.key("results")
        w.beginArray()
        for m in measurements {
            w.beginObject()
            w.field("key", m.key)
            w.field("scenario", m.scenario)
            w.field("metric", m.metric)
            w.field("value", m.value)
            w.field("unit", m.unit)
            if !m.detail.isEmpty { w.field("how", m.detail) }
            w.endObject()
        }
        w.endArray()
        w.key("ratios")
        w.beginObject()
        for (name, value) in ratios(clients: plan.clientCounts, decisionSizes: plan.decisionSizes) {
            w.dynamicKey(name)
            w.double((value * 1000).rounded() / 1000)
        }
        w.endObject()
        w.key("targets")
        w.beginArray()
        for check in targets(plan: plan) {
            w.beginObject()
            w.field("name", check.name)
            w.field("measured", check.measured)
            w.field("goal", check.goal)
            if let met = check.met { w.field("met", met) } else { w.fieldNull("met") }
            w.endObject()
        }
        w.endArray()
        w.key("notes")
        w.beginArray()
        for note in notes { w.string(note) }
        w.endArray()
        w.endObject()
        w.bytes.append(10)
        return w.bytes
    }
}

/// Number formatting for the table.
enum Format {
    static func value(_ value: Double, _ unit: String) -> String {
        switch unit {
        case "ms", "s", "us": return fixed(value, value < 10 ? 2 : 1) + " " + unit
        case "x": return ratio(value)
        default: return count(Int(value.rounded())) + " " + unit
        }
    }

    static func ratio(_ value: Double) -> String { fixed(value, 2) + "x" }

    static func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

    /// 1234567 -> "1,234,567".
    static func count(_ value: Int) -> String {
        let digits = Array(String(value.magnitude))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// Left-aligned columns separated by two spaces, with a rule under the header.
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return [line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)
    }
}
