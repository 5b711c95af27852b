// Scenarios 5 and 6, memory and recovery with many waiting conversations (1M in the full run). The chats are
// queued through the API (batches on pipelined bot connections, durability normal) into ten departments with no
// attendant, the daemon is stopped, and a new one is started on the same database: the time from spawn to its
// first answered ping is the recovery time (the daemon binds its socket only after the state is loaded), and
// its resident memory then, minus that of the same daemon before any chat existed, divided by the chats, is the
// memory per waiting conversation. The live growth while queueing is reported too. The database file is in the
// page cache (it was just written), so recovery here is not cold-disk time.

/// Scenarios 5 and 6.
struct MemoryScenario {
    let bench: Bench

    func run() throws {
        let chats = bench.plan.waitingChats
        let departments = (0..<10).map { "mem-\($0)" }
        let first = try bench.startDaemon("memory", durability: "normal", name: "memory")
        var firstRunning = true
        defer { if firstRunning { first.stop() } }
        let reactor = Reactor()
        defer { reactor.shutdown() }
        let admin = try Fixture.service("auth.admin", reactor, first.socket, count: 1)[0]
        try Fixture.departments(departments, admin: admin)
        let emptyRSS = first.process.residentBytes
        let fillStart = monotonicSeconds()
        try Backlog.fill(chats, prefix: "mem", departments: departments, reactor: reactor, socket: first.socket,
                         batch: 1000)
        let fillSeconds = monotonicSeconds() - fillStart
        let liveRSS = first.process.residentBytes
        admin.close()
        first.stop()
        firstRunning = false
        let databaseBytes = ProcFile.size(first.database) + ProcFile.size(first.database + "-wal")

        let second = try bench.startDaemon("memory", durability: "normal", name: "memory")
        defer { second.stop() }
        let recoveredRSS = second.process.residentBytes
        let waiting = try second.waitingTotal()
        guard waiting == chats else { throw BenchError("recovery: \(waiting) waiting, expected \(chats)") }
        let mib = { (bytes: Int) in Format.fixed(Double(bytes) / 1_048_576, 1) }
        bench.report.add("memory.perWaiting", "5 memory", "RSS per waiting conv (\(Format.count(chats)))",
                         Double(recoveredRSS - emptyRSS) / Double(chats), "B",
                         detail: "after restart: \(mib(recoveredRSS)) MiB vs \(mib(emptyRSS)) MiB empty; live growth "
                            + "\(Format.count((liveRSS - emptyRSS) / chats)) B/conv; queued at "
                            + "\(Format.count(Int(Double(chats) / fillSeconds)))/s")
        bench.report.add("recovery.seconds", "6 recovery", "start to serving (\(Format.count(chats)) waiting)",
                         second.startSeconds, "s",
                         detail: "spawn to first ping; database \(mib(databaseBytes)) MiB, warm page cache")
    }
}
