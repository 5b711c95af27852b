// Scenario 10, offers. (a) The durable lifecycle with offers (open -> `conversation.offered` push -> accept ->
// assigned push -> close) beside the same lifecycle without offers, at the largest client count, durability
// full: two daemons take turns for a few rounds of the same length (alternating which goes first), and the ratio
// is the median of the rounds' ratios. An accept is one more request per conversation, so about two thirds is
// the natural mark. (b) Offer expiry at scale: the backlog's chats wait while their attendants are away, the
// attendants turn online so every chat is offered in a few turns (offerTimeout 5 s, the contract's least), and
// nobody answers. With maxMissedOffers 1 each attendant turns away at its first expiry, so every offer expires
// once and none is made again. The rate runs from the first `conversation.revoked` push read to the last; a
// probe connection pings the daemon back to back meanwhile, and its round trips' p99 bounds the loop's turn time.

import Foundation

/// Scenario 8.
struct OfferScenario {
    let bench: Bench

    func run() throws {
        // ATENDE_BENCH_OFFERS=expiry runs (b) alone, to compare two builds on it.
        if ProcessInfo.processInfo.environment["ATENDE_BENCH_OFFERS"] != "expiry" { try lifecycle() }
        try expiries()
    }

    private func lifecycle() throws {
        guard let clients = bench.plan.clientCounts.max() else { return }
        let plain = try bench.startDaemon("offers-plain", durability: "full")
        defer { plain.stop() }
        let offering = try bench.startDaemon("offers-offering", durability: "full")
        defer { offering.stop() }
        let reactor = Reactor()
        defer { reactor.shutdown() }
        let plainLoad = try LifecycleLoad.staffed(plain, reactor: reactor, prefix: "plain")
        let offerLoad = try LifecycleLoad.staffed(offering, reactor: reactor, prefix: "offer", offerTimeout: 600)
        let plainBots = try Fixture.workers(reactor, plain.socket, count: clients)
        let offerBots = try Fixture.workers(reactor, offering.socket, count: clients)
        defer { (plainBots + offerBots).forEach { $0.close() } }
        var plainRates: [Double] = []
        var offerRates: [Double] = []
        let rounds = bench.plan.quick ? 3 : 5
        for round in 0..<rounds {
            func measurePlain() throws {
                plainRates.append(try plainLoad.measure(bots: plainBots, daemon: plain,
                                                        warmup: bench.plan.warmupSeconds,
                                                        seconds: bench.plan.measureSeconds).rate)
            }
            func measureOffers() throws {
                offerRates.append(try offerLoad.measure(bots: offerBots, daemon: offering,
                                                        warmup: bench.plan.warmupSeconds,
                                                        seconds: bench.plan.measureSeconds).rate)
            }
            if round % 2 == 0 {
                try measurePlain()
                try measureOffers()
            } else {
                try measureOffers()
                try measurePlain()
            }
            Console.progress("round \(round + 1): without offers \(Format.count(Int(plainRates.last!))), "
                + "with offers \(Format.count(Int(offerRates.last!))) conv/s")
        }
        let list = { (rates: [Double]) in rates.map { Format.count(Int($0)) }.joined(separator: ", ") }
        let ratios = zip(offerRates, plainRates).map { $0 / $1 }
        let label = "10 lifecycle with offers (full)"
        bench.report.add("offers.plain.c\(clients)", label, "without offers, \(clients) bots",
                         LifecycleAgainstRedis.median(plainRates), "conv/s",
                         detail: "median of \(rounds) rounds: \(list(plainRates))")
        bench.report.add("offers.offering.c\(clients)", label, "with offers (accept), \(clients) bots",
                         LifecycleAgainstRedis.median(offerRates), "conv/s",
                         detail: "median of \(rounds) rounds: \(list(offerRates))")
        bench.report.add("offers.ratio.c\(clients)", label, "with/without offers, \(clients) bots",
                         LifecycleAgainstRedis.median(ratios), "x",
                         detail: "median of the rounds' ratios: "
                            + ratios.map { Format.ratio($0) }.joined(separator: ", "))
    }

    private func expiries() throws {
        let chats = bench.plan.backlogChats
        let daemon = try bench.startDaemon("offers-expiry", durability: "full")
        defer { daemon.stop() }
        let reactor = Reactor()
        defer { reactor.shutdown() }
        let admin = try Fixture.service("auth.admin", reactor, daemon.socket, count: 1)[0]
        try Fixture.departments(["expiry"], admin: admin, offerTimeout: 5)
        let settings = Tally()
        admin.call("settings.update", params: { $0.field("maxMissedOffers", 1) }) { settings.record($0) }
        try reactor.wait("settings.update", seconds: 30) { settings.answered == 1 }
        try settings.check("settings.update")
        let count = bench.plan.backlogAttendants
        let maxChats = (chats + count - 1) / count
        let logins = try Fixture.attendants(count, prefix: "expire", maxChats: maxChats, reactor: reactor,
                                            socket: daemon.socket) { _ in ["expiry"] }
        let attendants = try Fixture.login(logins, reactor: reactor, socket: daemon.socket, away: true)
        try Backlog.fill(chats, prefix: "ex", departments: ["expiry"], reactor: reactor, socket: daemon.socket)

        var offered = 0
        var revoked = 0
        var firstRevoked = 0.0
        var lastRevoked = 0.0
        for attendant in attendants {
            attendant.onEvent = { event in
                switch event.kind {
                case .offered: offered += 1
                case .revoked:
                    revoked += 1
                    lastRevoked = monotonicSeconds()
                    if revoked == 1 { firstRevoked = lastRevoked }
                default: break
                }
            }
        }
        let errors = Tally()
        for attendant in attendants {
            attendant.call("presence.set", params: { $0.field("presence", "online") }) { errors.record($0) }
        }
        try reactor.wait("offers: \(chats) offered", seconds: 300) { offered >= chats || errors.failed > 0 }
        try errors.check("presence.set")
        // A probe pings back to back until the last expiry is read; its round trips while they expire.
        var pings: [Double] = []
        var probing = true
        var sentAt = 0.0
        func ping() {
            sentAt = monotonicSeconds()
            admin.call("system.ping") { reply in
                if revoked > 0 && revoked < chats { pings.append(monotonicSeconds() - sentAt) }
                if !reply.ok { errors.record(reply) }
                if probing { ping() }
            }
        }
        ping()
        let startCPU = daemon.process.mainThreadCPUSeconds
        try reactor.wait("offers: \(chats) expiries", seconds: 300) { revoked >= chats || errors.failed > 0 }
        probing = false
        let cpu = daemon.process.mainThreadCPUSeconds - startCPU
        try errors.check("system.ping")
        let elapsed = max(lastRevoked - firstRevoked, 1e-6)
        let sorted = pings.sorted()
        let p99 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        let worst = sorted.last ?? 0
        bench.report.add("offers.expiry.rate", "10 offer expiry (full)",
                         "\(Format.count(chats)) offers, \(count) attendants", Double(chats) / elapsed, "expiries/s",
                         detail: "\(Format.fixed(elapsed, 2)) s first to last revoked push")
        bench.report.add("offers.expiry.cpu", "10 offer expiry (full)", "loop CPU per expiry", cpu * 1e6 / Double(chats),
                         "us", detail: "all of the loop's work while they expire: routing, rows, commits, pushes; "
                            + "\(Format.count(Int(Double(chats) / max(cpu, 1e-6)))) expiries per CPU second")
        bench.report.add("offers.expiry.p99", "10 offer expiry (full)", "ping round trip p99 while they expire",
                         p99 * 1000, "ms",
                         detail: "\(pings.count) pings, worst \(Format.fixed(worst * 1000, 1)) ms")
    }
}
