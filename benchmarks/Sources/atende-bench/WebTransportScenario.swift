// Scenario 9, the web transport: the scenario-1 lifecycle (durability full, the largest client count) with bots
// and attendants on the WebSocket (`/rpc`), beside the same lifecycle on the Unix socket, on one daemon, in
// alternating rounds of the same length (the machine's speed drifts; rounds seconds apart see the same spell);
// the ratio is the median of the rounds' ratios. Then 5,000 idle WebSocket connections are opened and held
// (each answers one ping first): the resident memory per connection (on a fresh daemon of its own), and both
// lifecycles again while they are held.

/// Scenario 9.
struct WebTransportScenario {
    let bench: Bench
    var rounds: Int { bench.plan.quick ? 3 : 5 }
    static let idleConnections = 5000

    func run() throws {
        let clients = bench.plan.clientCounts.max() ?? 50
        let daemon = try bench.startDaemon("web", durability: "full", web: true)
        defer { daemon.stop() }
        guard let url = daemon.webSocketURL else { throw BenchError("no WebSocket URL") }
        let reactor = Reactor()
        defer { reactor.shutdown() }
        let unix = try LifecycleLoad.staffed(daemon, reactor: reactor, prefix: "unix")
        let web = try LifecycleLoad.staffed(daemon, reactor: reactor, prefix: "ws", socket: url)
        let unixBots = try Fixture.workers(reactor, daemon.socket, count: clients)
        let webBots = try Fixture.workers(reactor, url, count: clients)
        defer { (unixBots + webBots).forEach { $0.close() } }
        try compare(unix: unix, unixBots: unixBots, web: web, webBots: webBots, daemon: daemon, clients: clients,
                    label: "9 web transport", key: "web")

        // Memory per idle WebSocket on a daemon of its own, fresh: on this one the lifecycle rounds left freed
        // memory that new connections would reuse without growing the resident size.
        do {
            let fresh = try bench.startDaemon("web-idle", durability: "full", web: true)
            defer { fresh.stop() }
            guard let freshURL = fresh.webSocketURL else { throw BenchError("no WebSocket URL") }
            let freshReactor = Reactor()
            defer { freshReactor.shutdown() }
            let before = fresh.process.residentBytes
            let held = try holdIdle(freshReactor, freshURL)
            let after = fresh.process.residentBytes
            held.forEach { $0.close() }
            bench.report.add("web.idle.bytesPerConnection", "9 web transport",
                             "RSS per idle WebSocket (\(Format.count(Self.idleConnections)))",
                             Double(after - before) / Double(Self.idleConnections), "B",
                             detail: "fresh daemon: \(Format.fixed(Double(before) / 1_048_576, 1)) MiB before, "
                                + "\(Format.fixed(Double(after) / 1_048_576, 1)) MiB holding them")
        }
        let idle = try holdIdle(reactor, url)
        defer { idle.forEach { $0.close() } }
        try compare(unix: unix, unixBots: unixBots, web: web, webBots: webBots, daemon: daemon, clients: clients,
                    label: "9 web transport, 5k idle WebSockets held", key: "web.idle")
    }

    /// Opens `idleConnections` WebSockets, each answering one ping, and leaves them idle in the background.
    private func holdIdle(_ reactor: Reactor, _ url: String) throws -> [Peer] {
        let tally = Tally()
        var idle: [Peer] = []
        idle.reserveCapacity(Self.idleConnections)
        for index in 0..<Self.idleConnections {
            let peer = try Peer.connect(reactor, url)
            peer.call("system.ping") { tally.record($0) }
            idle.append(peer)
            if index % 256 == 0 { reactor.turn(timeoutMillis: 0) }
        }
        try reactor.wait("idle WebSocket pings", seconds: 120) { tally.answered == Self.idleConnections }
        try tally.check("idle WebSocket pings")
        idle.forEach { reactor.moveToBackground($0.link) }
        return idle
    }

    private func compare(unix: LifecycleLoad, unixBots: [Peer], web: LifecycleLoad, webBots: [Peer],
                         daemon: Atended, clients: Int, label: String, key: String) throws {
        var unixRates: [Double] = []
        var webRates: [Double] = []
        var unixCPU: [Double] = []
        var webCPU: [Double] = []
        var unixGenerator: [Double] = []
        var webGenerator: [Double] = []
        for round in 0..<rounds {
            func measureUnix() throws {
                let result = try unix.measure(bots: unixBots, daemon: daemon, warmup: bench.plan.warmupSeconds,
                                              seconds: bench.plan.measureSeconds)
                unixRates.append(result.rate)
                unixCPU.append(result.cpuMicros)
                unixGenerator.append(result.generatorBusy)
            }
            func measureWeb() throws {
                let result = try web.measure(bots: webBots, daemon: daemon, warmup: bench.plan.warmupSeconds,
                                             seconds: bench.plan.measureSeconds)
                webRates.append(result.rate)
                webCPU.append(result.cpuMicros)
                webGenerator.append(result.generatorBusy)
            }
            if round % 2 == 0 {
                try measureUnix()
                try measureWeb()
            } else {
                try measureWeb()
                try measureUnix()
            }
            Console.progress("round \(round + 1): Unix \(Format.count(Int(unixRates.last!))), "
                + "WebSocket \(Format.count(Int(webRates.last!))) conv/s")
        }
        let list = { (rates: [Double]) in rates.map { Format.count(Int($0)) }.joined(separator: ", ") }
        let ratios = zip(webRates, unixRates).map { $0 / $1 }
        bench.report.add("\(key).unix.c\(clients)", label, "Unix socket (full), \(clients) bots",
                         LifecycleAgainstRedis.median(unixRates), "conv/s",
                         detail: "median of \(rounds) rounds: \(list(unixRates)); loop CPU "
                            + "\(Format.fixed(LifecycleAgainstRedis.median(unixCPU), 1)) us/conv, generator busy "
                            + "\(Int(LifecycleAgainstRedis.median(unixGenerator) * 100))%")
        bench.report.add("\(key).ws.c\(clients)", label, "WebSocket /rpc (full), \(clients) bots",
                         LifecycleAgainstRedis.median(webRates), "conv/s",
                         detail: "median of \(rounds) rounds: \(list(webRates)); loop CPU "
                            + "\(Format.fixed(LifecycleAgainstRedis.median(webCPU), 1)) us/conv, generator busy "
                            + "\(Int(LifecycleAgainstRedis.median(webGenerator) * 100))%")
        bench.report.add("\(key).ratio.c\(clients)", label, "WebSocket/Unix, \(clients) clients",
                         LifecycleAgainstRedis.median(ratios), "x",
                         detail: "median of the rounds' ratios: " + ratios.map { Format.ratio($0) }
                            .joined(separator: ", "))
    }
}
