// Metrics: counters the loop keeps as it works, and their rendering in the Prometheus text format, for
// `metrics.get` (and `atendectl metrics`) and for the textfile that node_exporter collects (config `metricsFile`,
// rewritten atomically: write a temporary file, then rename).

import AtendeCore
import Foundation

/// A cumulative histogram with fixed bucket bounds.
struct Histogram {
    let bounds: [Double]
    var counts: [Int]
    var sum = 0.0
    var count = 0

    init(bounds: [Double]) {
        self.bounds = bounds
        counts = [Int](repeating: 0, count: bounds.count)
    }

    mutating func observe(_ value: Double) {
        sum += value
        count += 1
        if let index = bounds.firstIndex(where: { value <= $0 }) { counts[index] += 1 }
    }
}

/// What the daemon counts.
struct Counters {
    var opened = 0
    var assigned = 0
    var closed = 0
    var rated = 0
    var ratings = [Int](repeating: 0, count: 6)
    var errors: [Int: Int] = [:]
    var refusedConnections = 0
    var commits = 0
    var syncs = 0
    var readPauses = 0
    var failedCommits = 0
    var offers = OfferCounters()
    var waitSeconds = Histogram(bounds: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600])
}

extension Daemon {
    /// The metrics in the Prometheus text exposition format.
    func renderMetrics(now: Instant) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ labels: [(String, String)] = [], _ value: String) {
            let text = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(escape($0.1))\"" }
                .joined(separator: ",") + "}"
            out += "\(name)\(text) \(value)\n"
        }
        let stats = router.departmentIDs.compactMap { router.stats(of: $0, now: now) }
        let perDepartment: [(name: String, help: String, value: (DepartmentStats) -> Int64)] = [
            ("atende_waiting_conversations", "Conversations waiting in a department queue.", { Int64($0.waiting) }),
            ("atende_oldest_wait_seconds", "Age of the oldest waiting conversation of a department.",
             { $0.oldestWaitSeconds }),
            ("atende_assigned_conversations", "Open conversations assigned in a department.", { Int64($0.assigned) }),
            ("atende_attendants_online", "Attendants of a department whose presence is online.",
             { Int64($0.attendantsOnline) }),
        ]
        for gauge in perDepartment {
            family(gauge.name, "gauge", gauge.help)
            for s in stats { sample(gauge.name, [("department", s.department)], "\(gauge.value(s))") }
        }
        family("atende_potentials", "gauge", "Conversations that have not chosen a department.")
        sample("atende_potentials", [], "\(router.potentialCount)")
        family("atende_connections", "gauge", "Open client connections.")
        sample("atende_connections", [], "\(fanOut.connections.count)")
        let totals: [(name: String, help: String, value: Int)] = [
            ("atende_conversations_opened_total", "Conversations opened since start.", counters.opened),
            ("atende_conversations_assigned_total", "Assignments since start.", counters.assigned),
            ("atende_conversations_closed_total", "Conversations closed since start.", counters.closed),
            ("atende_conversations_rated_total", "Ratings received since start.", counters.rated),
            ("atende_commits_total", "SQLite commits (one per loop turn that wrote).", counters.commits),
            ("atende_wal_syncs_total", "fdatasyncs of the WAL, each covering every commit before it (durability full).",
             counters.syncs),
            ("atende_read_pauses_total",
             "Times the loop stopped reading requests while a slow fsync held \(Journal.maxUnsyncedTurns) turns.",
             counters.readPauses),
            ("atende_failed_commits_total", "Turns rolled back because storage failed.", counters.failedCommits),
            ("atende_wal_late_bytes_total", "WAL bytes still gathered in memory after their commit, written by the "
                + "check that follows it (0 unless SQLite writes frames as the WAL-gathering VFS does not expect).",
             journal.sqlite?.lateWALBytes ?? 0),
            ("atende_refused_connections_total", "Connections refused at maxConnections.",
             counters.refusedConnections),
        ]
        for total in totals {
            family(total.name, "counter", total.help)
            sample(total.name, [], "\(total.value)")
        }
        family("atende_ratings_total", "counter", "Ratings received since start, by score.")
        for score in 1...5 { sample("atende_ratings_total", [("score", "\(score)")], "\(counters.ratings[score])") }
        family("atende_errors_total", "counter", "Error responses since start, by JSON-RPC code.")
        for code in counters.errors.keys.sorted() {
            sample("atende_errors_total", [("code", "\(code)")], "\(counters.errors[code]!)")
        }
        let histogram = counters.waitSeconds
        family("atende_wait_seconds", "histogram", "Time from joining a queue to assignment.")
        var cumulative = 0
        for (index, bound) in histogram.bounds.enumerated() {
            cumulative += histogram.counts[index]
            sample("atende_wait_seconds_bucket", [("le", format(bound))], "\(cumulative)")
        }
        sample("atende_wait_seconds_bucket", [("le", "+Inf")], "\(histogram.count)")
        sample("atende_wait_seconds_sum", [], format(histogram.sum))
        sample("atende_wait_seconds_count", [], "\(histogram.count)")
        out += offerMetrics()
        out += serviceLevelMetrics(now: now)
        family("atende_start_time_seconds", "gauge", "Unix time the daemon started.")
        sample("atende_start_time_seconds", [], "\(startedAt.millis / 1000)")
        return out
    }

    private func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// Rewrites the metrics textfile atomically. A failure is logged in strerror's words, once for each distinct
    /// failure rather than at every rewrite (every 5 s), and a rewrite that works again says so.
    func writeMetricsFile(now: Instant) {
        guard let path = config.metricsFile else { return }
        let problem = Self.writeAtomically(Array(renderMetrics(now: now).utf8), to: path)
        guard problem != metricsFileProblem else { return }
        if let problem {
            Log.warn("cannot write metrics file", ["path": path, "error": problem])
        } else {
            Log.info("metrics file written again", ["path": path])
        }
        metricsFileProblem = problem
    }

    /// Writes `bytes` to `path + ".tmp"` and renames it over `path`; nil, or what failed ("open /x/m.prom.tmp:
    /// No such file or directory").
    static func writeAtomically(_ bytes: [UInt8], to path: String) -> String? {
        let temporary = path + ".tmp"
        func failed(_ call: String, _ file: String) -> String {
            "\(call) \(file): \(String(cString: strerror(errno)))"
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return failed("open", temporary) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let problem = failed("write", temporary)
                close(fd)
                unlink(temporary)
                return problem
            }
            written += count
        }
        guard close(fd) == 0 else {
            let problem = failed("close", temporary)
            unlink(temporary)
            return problem
        }
        guard rename(temporary, path) == 0 else {
            let problem = failed("rename to", path)
            unlink(temporary)
            return problem
        }
        return nil
    }
}
