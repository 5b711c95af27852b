// Scenario 1, durable lifecycle throughput: bots open conversations into four departments served by sixteen
// online attendants, who close each chat as soon as its `conversation.assigned` push arrives. Each bot connection
// keeps one `conversation.open` in flight (like redis-benchmark's clients without pipelining), so 1, 8 and 50
// bots are 1, 8 and 50 concurrent clients. A conversation counts when the attendant's close is answered: open,
// assigned push received, closed. Run with durability full (fsync per commit) and normal. The bots are a pool
// of workers (`auth.bot {events: "own"}`): each gets the closed push of its own conversations. One more row
// (full, most clients) has every bot connection take every event (the default), so each close is pushed to all.

/// Scenario 1.
struct LifecycleScenario {
    let bench: Bench

    func run() throws {
        for durability in ["full", "normal"] { try run(durability: durability) }
    }

    private func run(durability: String) throws {
        let daemon = try bench.startDaemon("lifecycle-\(durability)", durability: durability)
        defer { daemon.stop() }
        let reactor = Reactor()
        defer { reactor.shutdown() }
        let load = try LifecycleLoad.staffed(daemon, reactor: reactor, prefix: "life")
        var runs = bench.plan.clientCounts.map { (clients: $0, everyEvent: false) }
        if durability == "full", let most = bench.plan.clientCounts.max() { runs.append((most, true)) }
        for (clients, everyEvent) in runs {
            let bots = everyEvent ? try Fixture.service("auth.bot", reactor, daemon.socket, count: clients)
                : try Fixture.workers(reactor, daemon.socket, count: clients)
            let result = try load.measure(bots: bots, daemon: daemon, warmup: bench.plan.warmupSeconds,
                                          seconds: bench.plan.measureSeconds)
            bots.forEach { $0.close() }
            bench.report.add("lifecycle.\(durability).c\(clients)\(everyEvent ? ".all" : "")",
                             "1 lifecycle (\(durability))",
                             "\(clients) bot\(clients == 1 ? "" : "s")\(everyEvent ? ", events all" : "")",
                             result.rate, "conv/s",
                             detail: "loop CPU \(Format.fixed(result.cpuMicros, 1)) us/conv; busy: daemon loop "
                                + "\(Int(result.loopBusy * 100))%, generator \(Int(result.generatorBusy * 100))%")
        }
    }
}

/// Closed-loop lifecycle traffic: bots reopen as soon as an open is answered; attendants close on assignment.
final class LifecycleLoad {
    let reactor: Reactor
    let departments: [String]
    /// The externalIds' prefix: loads sharing a daemon must not reopen each other's chats (open is idempotent).
    let chatPrefix: String
    private var number = 0
    private(set) var opened = 0
    private(set) var assigned = 0
    private(set) var closesSent = 0
    private(set) var closed = 0
    private var sending = false
    let errors = Tally()

    init(reactor: Reactor, departments: [String], chatPrefix: String = "life") {
        self.reactor = reactor
        self.departments = departments
        self.chatPrefix = chatPrefix
    }

    /// Lifecycle traffic for `daemon`: four departments (`prefix-0`...) served by sixteen online attendants who
    /// close what they get.
    /// `socket`: where the attendants connect (default the daemon's Unix socket; a `ws://` URL for WebSocket).
    /// With `offerTimeout` the departments offer, and the attendants accept each offer before closing it.
    static func staffed(_ daemon: Atended, reactor: Reactor, prefix: String, socket: String? = nil,
                        offerTimeout: Int? = nil) throws -> LifecycleLoad {
        let departments = (0..<4).map { "\(prefix)-\($0)" }
        let attendants = try Fixture.staffed(departments, attendants: 16, prefix: prefix, reactor: reactor,
                                             socket: socket ?? daemon.socket, offerTimeout: offerTimeout) {
            [departments[$0 % departments.count]]
        }
        let load = LifecycleLoad(reactor: reactor, departments: departments,
                                 chatPrefix: prefix == "life" ? "life" : "life-\(prefix)")
        for attendant in attendants { load.serve(attendant) }
        return load
    }

    /// Makes `attendant` close every chat assigned to it.
    func serve(_ attendant: Peer) {
        attendant.onEvent = { [self] event in
            if event.kind == .offered {
                attendant.call("conversation.accept", params: { $0.field("id", event.conversation) }) { [self] in
                    if !$0.ok { errors.record($0) }
                }
                return
            }
            guard event.kind == .assigned else { return }
            assigned += 1
            closesSent += 1
            attendant.call("conversation.close", params: { $0.field("id", event.conversation) }) { [self] in
                if $0.ok { closed += 1 } else { errors.record($0) }
            }
        }
    }

    private func open(_ bot: Peer) {
        number += 1
        let number = self.number
        let department = departments[number % departments.count]
        bot.call("conversation.open", params: {
            Chat.open(&$0, prefix: self.chatPrefix, number: number, department: department)
        }) { [self] reply in
            if reply.ok { opened += 1 } else { errors.record(reply) }
            if sending { open(bot) }
        }
    }

    /// Runs traffic on `bots` for `warmup` then `seconds`; returns completed conversations per second in the
    /// second window, the daemon loop's CPU time per conversation in it, and the share of the window the daemon
    /// loop and the generator spent on a CPU.
    func measure(bots: [Peer], daemon: Atended, warmup: Double, seconds: Double) throws
        -> (rate: Double, cpuMicros: Double, loopBusy: Double, generatorBusy: Double) {
        sending = true
        bots.forEach(open)
        reactor.run(for: warmup) { errors.failed > 0 }
        let startCount = closed
        let startCPU = daemon.process.mainThreadCPUSeconds
        let startGenerator = GeneratorCPU.seconds
        let start = monotonicSeconds()
        reactor.run(for: seconds) { errors.failed > 0 }
        let elapsed = monotonicSeconds() - start
        let count = closed - startCount
        let cpu = daemon.process.mainThreadCPUSeconds - startCPU
        let generator = GeneratorCPU.seconds - startGenerator
        sending = false
        try errors.check("lifecycle")
        try reactor.wait("lifecycle: chats still open after the bots stopped", seconds: 60) {
            errors.failed > 0 || (bots.allSatisfy { $0.inFlight == 0 } && assigned == opened && closed == closesSent)
        }
        try errors.check("lifecycle")
        return (Double(count) / elapsed, count > 0 ? cpu * 1e6 / Double(count) : 0, cpu / elapsed,
                generator / elapsed)
    }
}

/// Scenarios 1 and 7a side by side, at the largest client count: atende (durability full, as in scenario 1) and
/// the Redis anchor take turns for several rounds of the same length, in alternating order (atende first in even
/// rounds, Redis first in odd ones). The machine's speed drifts over a run; measured minutes apart, the
/// two sides can land on different spells, and the ratio moves with it. Here each round's two windows are
/// seconds apart; the ratio is the median of the rounds' ratios. It is the one the lifecycle target reads.
struct LifecycleAgainstRedis {
    let bench: Bench
    let scriptPath: String

    var rounds: Int { bench.plan.quick ? 3 : 5 }

    func run() throws {
        guard let clients = bench.plan.clientCounts.max() else { return }
        guard let redis = try RedisServer.start(bench: bench, scriptPath: scriptPath) else { return }
        defer { redis.stop() }
        let daemon = try bench.startDaemon("lifecycle-against-redis", durability: "full")
        defer { daemon.stop() }
        let reactor = Reactor()
        defer { reactor.shutdown() }
        let load = try LifecycleLoad.staffed(daemon, reactor: reactor, prefix: "pair")
        let bots = try Fixture.workers(reactor, daemon.socket, count: clients)
        defer { bots.forEach { $0.close() } }
        var atendeRates: [Double] = []
        var redisRates: [Double] = []
        for round in 0..<rounds {
            func measureAtende() throws {
                let result = try load.measure(bots: bots, daemon: daemon, warmup: bench.plan.warmupSeconds,
                                              seconds: bench.plan.measureSeconds)
                atendeRates.append(result.rate)
            }
            func measureRedis() throws {
                redisRates.append(try redis.measure(clients: clients, seconds: bench.plan.measureSeconds).rate)
            }
            if round % 2 == 0 {
                try measureAtende()
                try measureRedis()
            } else {
                try measureRedis()
                try measureAtende()
            }
            Console.progress("round \(round + 1): atende \(Format.count(Int(atendeRates.last!))), "
                + "Redis \(Format.count(Int(redisRates.last!))) conv/s")
        }
        try redis.check()
        let ratios = zip(atendeRates, redisRates).map { $0 / $1 }
        let label = "1+7a side by side"
        let list = { (rates: [Double]) in rates.map { Format.count(Int($0)) }.joined(separator: ", ") }
        bench.report.add("pair.atende.c\(clients)", label, "atende (full), \(clients) bots", Self.median(atendeRates),
                         "conv/s", detail: "median of \(rounds) rounds: \(list(atendeRates))")
        bench.report.add("pair.redis.c\(clients)", label, "Redis (always), \(clients) clients",
                         Self.median(redisRates), "conv/s", detail: "median of \(rounds) rounds: \(list(redisRates))")
        bench.report.add("pair.ratio.c\(clients)", label, "atende/Redis, \(clients) clients", Self.median(ratios), "x",
                         detail: "median of the rounds' ratios: "
                            + ratios.map { Format.ratio($0) }.joined(separator: ", "))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
