// Scenario 8, queue policy (contract v2). The backlog of scenario 3 (100k in the full run) opened with mixed
// priorities (0-9, spread evenly), so every join lands inside the queue rather than at its back and the drain
// takes the head of an ordered tree; the same attendants then turn online at once. Before the drain, with the
// whole backlog waiting, `conversation.position` and `conversation.get` are called for chats all over the queue
// in JSON-RPC batches of 100 (one batch in flight): the loop CPU per call of each, best of 3 rounds taken in
// turn, shows whether a position costs a scan (it must stay within 2x of a plain get).

import AtendeCore

/// Scenario 8.
struct QueuePolicyScenario {
    let bench: Bench

    func run() throws {
        let chats = bench.plan.backlogChats
        let daemon = try bench.startDaemon("policy", durability: "full")
        defer { daemon.stop() }
        let reactor = Reactor()
        defer { reactor.shutdown() }
        let admin = try Fixture.service("auth.admin", reactor, daemon.socket, count: 1)[0]
        try Fixture.departments(["policy"], admin: admin)
        let count = bench.plan.backlogAttendants
        let maxChats = (chats + count - 1) / count
        let logins = try Fixture.attendants(count, prefix: "prio", maxChats: maxChats, reactor: reactor,
                                            socket: daemon.socket) { _ in ["policy"] }
        let attendants = try Fixture.login(logins, reactor: reactor, socket: daemon.socket, away: true)
        let fillStart = monotonicSeconds()
        // A multiplicative hash spreads the priorities so neighbours in time rarely share one.
        try Backlog.fill(chats, prefix: "pq", departments: ["policy"], reactor: reactor, socket: daemon.socket,
                         priority: { ($0 &* 2_654_435_761 >> 7) % 10 })
        let fillSeconds = monotonicSeconds() - fillStart
        let waiting = try daemon.waitingTotal()
        guard waiting == chats else { throw BenchError("queue policy: \(waiting) waiting after filling \(chats)") }

        // Ids are 1...chats on a fresh database; the calls visit them in a stride that covers the whole queue.
        let rounds = 3
        let callsPerRound = min(20_000, chats)
        var best: [String: Double] = [:]
        for _ in 0..<rounds {
            for method in ["conversation.get", "conversation.position"] {
                let cpu = try measure(method, calls: callsPerRound, chats: chats, admin: admin, reactor: reactor,
                                      daemon: daemon)
                best[method] = min(best[method] ?? .infinity, cpu)
            }
        }
        let get = best["conversation.get"]! * 1e6
        let position = best["conversation.position"]! * 1e6
        bench.report.add("policy.position", "8 queue policy", "position at \(Format.count(chats)) waiting",
                         position, "us/call",
                         detail: "get \(Format.fixed(get, 2)) us/call, ratio \(Format.fixed(position / get, 2))x "
                            + "(loop CPU, best of \(rounds) x \(Format.count(callsPerRound)))")

        let (elapsed, cpu) = try Backlog.drain(chats, attendants: attendants, daemon: daemon, reactor: reactor,
                                               label: "queue policy")
        bench.report.add("policy.drain", "8 queue policy", "drain, priorities 0-9, \(Format.count(chats)) waiting",
                         Double(chats) / elapsed, "assign/s",
                         detail: "\(Format.fixed(elapsed, 2)) s, loop CPU "
                            + "\(Format.fixed(cpu * 1e6 / Double(chats), 1)) us/assign; "
                            + "filled at \(Format.count(Int(Double(chats) / fillSeconds)))/s")
    }

    /// Loop CPU seconds per call of `method` over `calls` chats spread across the queue, in batches of 100.
    private func measure(_ method: String, calls: Int, chats: Int, admin: Peer, reactor: Reactor,
                         daemon: Atended) throws -> Double {
        let batch = 100
        let stride = max(1, chats / calls)
        var sent = 0
        var done = 0
        let errors = Tally()
        func send() {
            guard sent < calls else { return }
            let first = sent
            let size = min(batch, calls - sent)
            sent += size
            admin.batch(method, count: size, params: { index, w in
                w.field("id", Int64(1 + ((first + index) * stride) % chats))
            }) { reply in
                done += reply.okCount
                if reply.failedCount > 0 { errors.fail("\(reply.failedCount) \(method) failed: " + reply.text) }
                send()
            }
        }
        let startCPU = daemon.process.mainThreadCPUSeconds
        send()
        try reactor.wait("\(method) x \(calls)", seconds: 300) { done >= calls || errors.failed > 0 }
        try errors.check(method)
        return (daemon.process.mainThreadCPUSeconds - startCPU) / Double(calls)
    }
}

/// Scenario 8b: the same drain in-process on AtendeCore's Router (no socket, JSON or SQLite), with every priority
/// 0 and with priorities 0-9: what the ordered queue itself costs per assignment.
struct QueuePolicyCoreScenario {
    let bench: Bench

    func run() {
        for mixed in [false, true] {
            let router = Router()
            let start = Instant(millis: 1_700_000_000_000)
            _ = router.upsertDepartment(Department(id: "policy", name: "policy"), now: start)
            let count = bench.plan.backlogAttendants
            let chats = bench.plan.backlogChats
            for index in 0..<count {
                let profile = AttendantProfile(id: AttendantID(index + 1), departments: ["policy"],
                                               maxChats: (chats + count - 1) / count)
                _ = router.upsertAttendant(profile, now: start)
                _ = router.connect(profile.id, online: false, now: start)
            }
            for number in 0..<chats {
                var conversation = Conversation(id: ConversationID(number + 1), externalId: "core-\(number)",
                                                contactPhone: "+5511900000000", department: "policy",
                                                openedAt: start)
                conversation.priority = mixed ? (number &* 2_654_435_761 >> 7) % 10 : 0
                _ = try? router.open(conversation, now: start + Int64(number / 30))
            }
            let clock = monotonicSeconds()
            var assigned = 0
            for index in 0..<count {
                for case .assigned in router.setPresence(AttendantID(index + 1), online: true, now: start + 10_000) {
                    assigned += 1
                }
            }
            let seconds = monotonicSeconds() - clock
            bench.report.add("policy.core.\(mixed ? "mixed" : "fifo")", "8b queue policy core",
                             "drain \(Format.count(chats)), priorities \(mixed ? "0-9" : "all 0")",
                             seconds * 1e6 / Double(max(1, assigned)), "us/assign",
                             detail: "in-process Router, \(Format.count(assigned)) assignments")
        }
    }
}
