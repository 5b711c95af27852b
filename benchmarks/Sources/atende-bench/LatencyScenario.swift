// Scenario 2, latency at a fixed offered load: conversation.open requests leave on a schedule (1k/s, 5k/s),
// spread over eight bot connections that never wait for answers (open loop, so a slow daemon cannot slow the
// offered load down and hide its own latency). Latency is from the moment a request is handed to the socket to
// the moment its `conversation.assigned` push is read by the attendant; the externalId carries the request's
// number so the push finds its send time. Attendants close chats as they get them. Durability full (the target),
// then normal, which takes the disk's fsync time out and leaves the daemon's own. A probe of the disk's own
// write+fdatasync time comes first, since no durable acknowledgement can be faster than that.

import Glibc

/// Scenario 2.
struct LatencyScenario {
    let bench: Bench

    func run() throws {
        try probeDisk()
        for durability in ["full", "normal"] { try run(durability: durability) }
    }

    /// The floor under durable latency: how long this disk takes to make one 4 KiB write durable (pwrite +
    /// fdatasync, as a WAL commit does), in the run's folder, about once a millisecond for as long as one latency
    /// run lasts: its tail (p99.9, the worst) shows the stalls of the disk itself, which every durable
    /// acknowledgement waiting at that moment inherits.
    private func probeDisk() throws {
        let path = "\(bench.directory)/fsync-probe"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BenchError("cannot create \(path)") }
        defer {
            close(fd)
            unlink(path)
        }
        let page = [UInt8](repeating: 0x5A, count: 4096)
        var samples: [Double] = []
        let end = monotonicSeconds() + Double(bench.plan.latencySeconds)
        var index = 0
        while monotonicSeconds() < end {
            let start = monotonicSeconds()
            _ = page.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(index % 64) * 4096) }
            fdatasync(fd)
            samples.append(monotonicSeconds() - start)
            index += 1
            usleep(1000)
        }
        let how = "pwrite 4 KiB + fdatasync, \(Format.count(samples.count)) times in "
            + "\(bench.plan.latencySeconds) s, one a millisecond"
        bench.report.add("disk.fsync.p50", "2 disk floor", "fdatasync p50", Percentile.of(samples, 0.5) * 1000, "ms",
                         detail: how)
        bench.report.add("disk.fsync.p99", "2 disk floor", "fdatasync p99", Percentile.of(samples, 0.99) * 1000, "ms")
        bench.report.add("disk.fsync.p999", "2 disk floor", "fdatasync p99.9", Percentile.of(samples, 0.999) * 1000,
                         "ms")
        bench.report.add("disk.fsync.max", "2 disk floor", "fdatasync worst", (samples.max() ?? 0) * 1000, "ms",
                         detail: "\(samples.filter { $0 > 0.010 }.count) over 10 ms")
    }

    private func run(durability: String) throws {
        let daemon = try bench.startDaemon("latency-\(durability)", durability: durability)
        defer { daemon.stop() }
        let reactor = Reactor()
        defer { reactor.shutdown() }
        let departments = (0..<4).map { "lat-\($0)" }
        let attendants = try Fixture.staffed(departments, attendants: 16, prefix: "lat", reactor: reactor,
                                             socket: daemon.socket) { [departments[$0 % departments.count]] }
        let bots = try Fixture.workers(reactor, daemon.socket, count: 8)
        let load = PacedLoad(reactor: reactor, departments: departments, bots: bots)
        for attendant in attendants { load.serve(attendant) }
        for rate in bench.plan.latencyRates {
            let samples = try load.run(rate: Double(rate), seconds: bench.plan.latencySeconds)
            let label = rate >= 1000 ? "\(rate / 1000)k/s" : "\(rate)/s"
            let how = "\(Format.count(samples.count)) samples, offered \(label), achieved "
                + "\(Format.count(Int(load.achievedRate.rounded())))/s"
            for (name, quantile) in [("p50", 0.5), ("p99", 0.99), ("p99.9", 0.999)] {
                bench.report.add("latency.\(durability).\(rate).\(name)", "2 latency (\(durability))",
                                 "open->assigned \(name) at \(label)",
                                 Percentile.of(samples, quantile) * 1000, "ms", detail: name == "p50" ? how : "")
            }
        }
    }
}

/// Open-loop traffic at a fixed rate, recording open-to-assigned latency.
final class PacedLoad {
    let reactor: Reactor
    let departments: [String]
    let bots: [Peer]
    private var sentAt: [Double] = []
    private var latencies: [Double] = []
    private var base = 0
    private var assigned = 0
    private(set) var achievedRate = 0.0
    let errors = Tally()

    init(reactor: Reactor, departments: [String], bots: [Peer]) {
        self.reactor = reactor
        self.departments = departments
        self.bots = bots
    }

    /// Makes `attendant` record latencies and close every chat assigned to it.
    func serve(_ attendant: Peer) {
        attendant.onEvent = { [self] event in
            guard event.kind == .assigned else { return }
            let now = monotonicSeconds()
            let index = Int(event.tag) - base
            if index >= 0 && index < sentAt.count { latencies.append(now - sentAt[index]) }
            assigned += 1
            attendant.call("conversation.close", params: { $0.field("id", event.conversation) }) { [self] in
                if !$0.ok { errors.record($0) }
            }
        }
    }

    /// Offers `rate` opens per second for `seconds`; returns the latencies in seconds.
    func run(rate: Double, seconds: Double) throws -> [Double] {
        base += sentAt.count
        sentAt.removeAll(keepingCapacity: true)
        latencies.removeAll(keepingCapacity: true)
        assigned = 0
        let total = Int(rate * seconds)
        sentAt.reserveCapacity(total)
        let start = monotonicSeconds()
        var now = start
        while sentAt.count < total && errors.failed == 0 {
            let due = min(total, Int((now - start) * rate) + 1)
            while sentAt.count < due {
                let number = base + sentAt.count
                let department = departments[number % departments.count]
                bots[number % bots.count].call("conversation.open", params: {
                    Chat.open(&$0, prefix: "lat", number: number, department: department)
                }) { [self] in if !$0.ok { errors.record($0) } }
                sentAt.append(monotonicSeconds())
            }
            reactor.flush()
            now = monotonicSeconds()
            let next = start + Double(sentAt.count) / rate
            // Round the wait up: a zero timeout would spin and take a core from the daemon.
            reactor.turn(timeoutMillis: next > now ? Int32(min(10, ((next - now) * 1000).rounded(.up))) : 0)
            now = monotonicSeconds()
        }
        achievedRate = Double(sentAt.count) / (now - start)
        try reactor.wait("latency: assignments after the last open", seconds: 60) {
            errors.failed > 0 || assigned == total
        }
        try errors.check("latency")
        return latencies
    }
}

/// Quantiles of samples.
enum Percentile {
    /// The `quantile` (0...1) of `samples` by the nearest-rank method; 0 when empty.
    static func of(_ samples: [Double], _ quantile: Double) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sorted = samples.sorted()
        let rank = Int((quantile * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }
}
