// Scenario 4, decision cost against scale: with 10, 1k and 10k attendants online across 100 departments (each
// attendant serves 10 departments, so a department has 1, 100 or 1000 eligible attendants, picked least-busy),
// a bot opens chats round-robin over the departments and every open is assigned at once. The opens go in
// JSON-RPC batches, one batch in flight, so each loop turn routes one batch and its fixed costs (wake-up, commit)
// are shared out the same way at every size. Two batch sizes, on the same daemon:
// - 10 (the target's measure): every turn's 10 assignments go to 10 different attendants at every size, so each
//   assignment costs one push write everywhere and only the scale of the state differs;
// - 200: at 10 online the 200 pushes of a turn share 10 writes (20 per attendant), at 10k they need 200, so the
//   ratio also counts the writes to more distinct sockets, not only the decision.
// The cost per assignment is the daemon loop thread's CPU
// time (schedstat, ns) per assignment, so the generator's work does not count; it is measured in five rounds of
// 4000 assignments and the lowest round is reported (the other sessions on a shared machine can only add time).
// The three sizes run side by side, each on its own daemon, and take turns round by round: a slow spell of the
// machine then costs every size a round instead of all the rounds of one size.
// Between rounds, outside the measure, the attendants close the chats they hold, so even 10 attendants have room
// for long rounds in steady state (short rounds right after 10k logins measure cold caches instead). It includes parsing,
// the decision, the SQLite rows, the reply and one push write per assignment. Durability normal (no fsync
// waits). The attendants' connections only receive, so they are read in the background every few milliseconds.

/// Scenario 4.
struct DecisionScenario {
    let bench: Bench
    static let batches = [10, 200]
    static let rounds = 5

    /// Every size's daemon is set up first; then, for each batch size, each round is measured at every size in
    /// turn, so a slow spell of the shared machine falls on all sizes alike instead of on one size's rounds.
    func run() throws {
        let sizes = try bench.plan.decisionSizes.map { try DecisionSize(bench: bench, attendants: $0) }
        defer { sizes.forEach { $0.stop() } }
        let perRound = bench.plan.decisionChats / (Self.rounds * Self.batches.count)
        for batch in Self.batches {
            for size in sizes {
                size.batch = batch
                try size.open(perRound / 2)
            }
            var costs = [[Double]](repeating: [], count: sizes.count)
            var rates = [[Double]](repeating: [], count: sizes.count)
            for _ in 0..<Self.rounds {
                for (index, size) in sizes.enumerated() {
                    let (cost, rate) = try size.measure(perRound)
                    costs[index].append(cost)
                    rates[index].append(rate)
                }
            }
            for (index, size) in sizes.enumerated() {
                let sorted = costs[index].sorted()
                let online = size.attendants.count
                bench.report.add(Self.key(attendants: online, batch: batch), "4 decision cost (normal)",
                                 "\(Format.count(online)) online, \(max(1, online / 10)) per dept, batches of \(batch)",
                                 sorted[0], "us",
                                 detail: "loop CPU per assignment, best of \(Self.rounds) rounds of "
                                    + "\(Format.count(perRound)) (median \(Format.fixed(sorted[sorted.count / 2], 1)) us); "
                                    + "\(Format.count(Int(rates[index].max() ?? 0))) assign/s wall")
            }
        }
    }

    /// Chat `number`'s department: consecutive chats go to the 10 groups of departments in turn (attendant i
    /// serves group i % 10), so a batch of 10 reaches 10 different attendants even with 10 online; every 100
    /// chats visit each department once.
    static func department(of number: Int) -> Int { (number % 10) * 10 + (number / 10) % 10 }

    /// The result key: the target's measure (the first batch size) is `decision.N.cost`.
    static func key(attendants: Int, batch: Int) -> String {
        batch == batches[0] ? "decision.\(attendants).cost" : "decision.\(attendants).cost.b\(batch)"
    }
}

/// One size of scenario 4: its daemon, attendants (read in the background) and bot.
final class DecisionSize {
    let daemon: Atended
    let reactor = Reactor()
    let attendants: [Peer]
    let bot: Peer
    let departments = (0..<100).map { "dept-\($0)" }
    let errors = Tally()
    var batch = DecisionScenario.batches[0]
    private var assigned = 0
    private var next = 0
    /// The chats each attendant holds, closed between rounds (not measured) so that every round has room:
    /// 10 online hold at most 10 × maxChats 1000 at a time, and rounds of a few thousand measure steady state.
    private var held: [[Int64]]

    init(bench: Bench, attendants size: Int) throws {
        daemon = try bench.startDaemon("decision-\(size)", durability: "normal")
        let setupStart = monotonicSeconds()
        let departments = self.departments
        attendants = try Fixture.staffed(departments, attendants: size, prefix: "dc", reactor: reactor,
                                         socket: daemon.socket) { index in
            (0..<10).map { departments[(index * 10 + $0) % departments.count] }
        }
        held = [[Int64]](repeating: [], count: attendants.count)
        bot = try Fixture.service("auth.bot", reactor, daemon.socket, count: 1)[0]
        Console.progress("\(size) attendants created and logged in in "
            + "\(Format.fixed(monotonicSeconds() - setupStart, 1)) s")
        for (index, attendant) in attendants.enumerated() {
            attendant.onEvent = { [unowned self] event in
                if event.kind == .assigned {
                    assigned += 1
                    held[index].append(event.conversation)
                }
            }
            reactor.moveToBackground(attendant.link)
        }
    }

    func stop() {
        reactor.shutdown()
        daemon.stop()
    }

    /// One measured round: the chats held are closed (not measured), then `count` opens are routed; returns the
    /// daemon loop's CPU time per assignment (us) and the assignments per second of wall time.
    func measure(_ count: Int) throws -> (cost: Double, rate: Double) {
        try closeAll()
        let startCPU = daemon.process.mainThreadCPUSeconds
        let start = monotonicSeconds()
        try open(count)
        let rate = Double(count) / (monotonicSeconds() - start)
        return ((daemon.process.mainThreadCPUSeconds - startCPU) * 1e6 / Double(count), rate)
    }

    /// Opens `count` chats in batches of `batch`, one batch in flight, and waits until all are assigned.
    func open(_ count: Int) throws {
        let target = assigned + count
        var left = count
        func send() {
            guard left > 0 else { return }
            let size = min(batch, left)
            left -= size
            let first = next
            next += size
            bot.batch("conversation.open", count: size, params: { [departments] index, w in
                let number = first + index
                Chat.open(&w, prefix: "dc", number: number,
                          department: departments[DecisionScenario.department(of: number)])
            }) { [errors] reply in
                if reply.failedCount > 0 { errors.fail("\(reply.failedCount) opens failed: " + reply.text) }
                send()
            }
        }
        send()
        try reactor.wait("decision: \(count) assignments", seconds: 300) {
            errors.failed > 0 || (assigned >= target && bot.inFlight == 0)
        }
        try errors.check("conversation.open")
    }

    private func closeAll() throws {
        var pending = 0
        for (index, attendant) in attendants.enumerated() {
            var ids = held[index][...]
            held[index].removeAll()
            while !ids.isEmpty {
                let chunk = Array(ids.prefix(500))
                ids = ids.dropFirst(chunk.count)
                pending += 1
                attendant.batch("conversation.close", count: chunk.count,
                                params: { index, w in w.field("id", chunk[index]) }) { [errors] reply in
                    if reply.failedCount > 0 { errors.fail("\(reply.failedCount) closes failed: " + reply.text) }
                    pending -= 1
                }
            }
        }
        try reactor.wait("decision: closing between rounds", seconds: 300) { errors.failed > 0 || pending == 0 }
        try errors.check("conversation.close")
    }
}
