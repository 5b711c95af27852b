// Scenario 3, backlog drain: a department holds a large queue (100k in the full run) while its attendants are
// logged in but away; then every attendant turns `online` at once, with room (maxChats 1000) for the whole
// queue between them. The time runs from the first `presence.set online` sent to the last
// `conversation.assigned` push read, so it covers routing, the durable commits (full) and the pushes.
// The queue is filled with JSON-RPC batches on a few pipelined bot connections, which is fast because one
// commit serves each loop turn's writes.

/// Scenario 3.
struct BacklogScenario {
    let bench: Bench

    func run() throws {
        let chats = bench.plan.backlogChats
        let daemon = try bench.startDaemon("backlog", durability: "full")
        defer { daemon.stop() }
        let reactor = Reactor()
        defer { reactor.shutdown() }
        let admin = try Fixture.service("auth.admin", reactor, daemon.socket, count: 1)[0]
        try Fixture.departments(["backlog"], admin: admin)
        let count = bench.plan.backlogAttendants
        let maxChats = (chats + count - 1) / count
        let logins = try Fixture.attendants(count, prefix: "drain", maxChats: maxChats, reactor: reactor,
                                            socket: daemon.socket) { _ in ["backlog"] }
        let attendants = try Fixture.login(logins, reactor: reactor, socket: daemon.socket, away: true)
        let fillStart = monotonicSeconds()
        try Backlog.fill(chats, prefix: "bk", departments: ["backlog"], reactor: reactor, socket: daemon.socket)
        let fillSeconds = monotonicSeconds() - fillStart
        let waiting = try daemon.waitingTotal()
        guard waiting == chats else { throw BenchError("backlog: \(waiting) waiting after filling \(chats)") }

        let (elapsed, cpu) = try Backlog.drain(chats, attendants: attendants, daemon: daemon, reactor: reactor,
                                               label: "backlog")
        let perAssignment = Format.fixed(cpu * 1e6 / Double(chats), 1)
        bench.report.add("backlog.rate", "3 backlog drain (full)",
                         "\(Format.count(chats)) waiting, \(count) attendants", Double(chats) / elapsed, "assign/s",
                         detail: "\(Format.fixed(elapsed, 2)) s, loop CPU \(perAssignment) us/assign; "
                            + "filled at \(Format.count(Int(Double(chats) / fillSeconds)))/s")
    }
}

/// Bulk queueing through the API.
enum Backlog {
    /// Turns every (away) attendant online at once and waits until `chats` assignment pushes have arrived and no
    /// chat is left waiting. Returns the wall time and the daemon loop's CPU time from the first `presence.set`.
    static func drain(_ chats: Int, attendants: [Peer], daemon: Atended, reactor: Reactor, label: String) throws
        -> (elapsed: Double, cpu: Double) {
            var assigned = 0
            let errors = Tally()
            for attendant in attendants {
                attendant.onEvent = { if $0.kind == .assigned { assigned += 1 } }
            }
            let startCPU = daemon.process.mainThreadCPUSeconds
            let start = monotonicSeconds()
            for attendant in attendants {
                attendant.call("presence.set", params: { $0.field("presence", "online") }) { errors.record($0) }
            }
        try reactor.wait("\(label) drain: \(chats) assignments", seconds: 300) {
            assigned >= chats || errors.failed > 0
        }
        let elapsed = monotonicSeconds() - start
        let cpu = daemon.process.mainThreadCPUSeconds - startCPU
        try errors.check("presence.set")
        let left = try daemon.waitingTotal()
        guard left == 0 else { throw BenchError("\(label): \(left) still waiting after the drain") }
        return (elapsed, cpu)
    }

    /// Opens `chats` conversations round-robin over `departments`, in batches of 500 on four bot connections with
    /// two batches in flight each; every open must succeed.
    static func fill(_ chats: Int, prefix: String, departments: [String], reactor: Reactor, socket: String,
                     batch: Int = 500, priority: ((Int) -> Int)? = nil) throws {
        // A pool of workers (`events: "own"`): each queued chat's `conversation.queued` push goes to the worker that
        // opened it, not to all four; at 1M opens four copies outran the generator and cut a worker off.
        let bots = try Fixture.workers(reactor, socket, count: 4)
        defer { bots.forEach { $0.close() } }
        let errors = Tally()
        var next = 0
        var done = 0
        func send(_ bot: Peer) {
            guard next < chats else { return }
            let first = next
            let size = min(batch, chats - next)
            next += size
            bot.batch("conversation.open", count: size, params: { index, w in
                let number = first + index
                Chat.open(&w, prefix: prefix, number: number, department: departments[number % departments.count],
                          priority: priority?(number))
            }) { reply in
                done += reply.okCount
                if reply.failedCount > 0 { errors.fail("\(reply.failedCount) opens failed: " + reply.text) }
                send(bot)
            }
        }
        for bot in bots {
            send(bot)
            send(bot)
        }
        var lastReport = monotonicSeconds()
        try reactor.wait("queueing \(chats) chats", seconds: 1800) {
            if monotonicSeconds() - lastReport > 5 {
                lastReport = monotonicSeconds()
                Console.progress("queued \(Format.count(done)) of \(Format.count(chats))")
            }
            return done == chats || errors.failed > 0
        }
        try errors.check("conversation.open batch")
    }
}
