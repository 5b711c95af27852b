// Scenario 11, PostgreSQL: (a) scenario 1's durable lifecycle at the largest client count on a PostgreSQL
// database (synchronous_commit on, durability full) beside pgbench running the statements atended sends for one
// conversation (benchmarks/postgres/lifecycle.sql) from as many clients, and beside the same daemon on an SQLite
// file: the three take turns for several rounds of one window each, in rotating order, and the rows read the
// medians of the rounds' ratios (as 1+7a). (b) Failover: two daemons on one database, each on its own socket; the
// leader is SIGKILLed and the time runs until a client walking both endpoints in order (as atendectl --address
// does) gets an answer to `system.ping` from the other; the killed one comes back as the standby, and the roles
// alternate for 20 rounds (quick: 5). The server is ATENDE_BENCH_POSTGRES's, else a throwaway one started with
// .ci/postgres (and stopped after); without PostgreSQL or pgbench the scenario is skipped with a note saying why.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc

/// Scenario 11.
struct PostgresScenario {
    let bench: Bench
    let pgbenchScript: String

    var rounds: Int { bench.plan.quick ? 3 : 5 }
    var failovers: Int { bench.plan.quick ? 5 : 20 }

    func run() throws {
        guard let server = try BenchPostgres.obtain(bench: bench) else { return }
        defer { server.stop() }
        do { try lifecycle(server) } catch { bench.report.note("scenario 11a failed: \(error)") }
        try failover(server)
    }

    // MARK: - (a) the lifecycle beside pgbench and beside SQLite

    private func lifecycle(_ server: BenchPostgres) throws {
        guard let clients = bench.plan.clientCounts.max() else { return }
        guard let pgbench = Executable.find("pgbench") else {
            bench.report.note("pgbench is missing (Debian: apt-get install postgresql); 11a was skipped")
            return
        }
        guard ProcFile.read(pgbenchScript) != nil else { throw BenchError("cannot read \(pgbenchScript)") }
        let onPostgres = try bench.startDaemon("pg-lifecycle", durability: "full",
                                               database: try server.createDatabase("lifecycle"))
        defer { onPostgres.stop() }
        let onSQLite = try bench.startDaemon("sqlite-lifecycle", durability: "full",
                                             database: "\(bench.directory)/pg-beside-sqlite.db")
        defer { onSQLite.stop() }
        // pgbench's own database, with the schema a daemon made (then stopped: nothing else writes there).
        let pgbenchDatabase = try server.createDatabase("pgbench")
        try bench.startDaemon("pgbench-schema", durability: "full", database: pgbenchDatabase).stop()

        let reactor = Reactor()
        defer { reactor.shutdown() }
        let postgresLoad = try LifecycleLoad.staffed(onPostgres, reactor: reactor, prefix: "pg")
        let sqliteLoad = try LifecycleLoad.staffed(onSQLite, reactor: reactor, prefix: "lite")
        let postgresBots = try Fixture.workers(reactor, onPostgres.socket, count: clients)
        let sqliteBots = try Fixture.workers(reactor, onSQLite.socket, count: clients)
        defer { (postgresBots + sqliteBots).forEach { $0.close() } }
        var postgresRates: [Double] = []
        var pgbenchRates: [Double] = []
        var sqliteRates: [Double] = []
        let seconds = max(1, Int(bench.plan.measureSeconds.rounded(.up)))
        for round in 0..<rounds {
            let sides: [() throws -> Void] = [
                {
                    postgresRates.append(try postgresLoad.measure(bots: postgresBots, daemon: onPostgres,
                                                                  warmup: bench.plan.warmupSeconds,
                                                                  seconds: bench.plan.measureSeconds).rate)
                },
                {
                    pgbenchRates.append(try server.pgbench(pgbench, script: pgbenchScript, database: pgbenchDatabase,
                                                           clients: clients, seconds: seconds))
                },
                {
                    sqliteRates.append(try sqliteLoad.measure(bots: sqliteBots, daemon: onSQLite,
                                                              warmup: bench.plan.warmupSeconds,
                                                              seconds: bench.plan.measureSeconds).rate)
                },
            ]
            for index in 0..<sides.count { try sides[(index + round) % sides.count]() }
            Console.progress("round \(round + 1): atende on PostgreSQL \(Format.count(Int(postgresRates.last!))), "
                + "pgbench \(Format.count(Int(pgbenchRates.last!))), atende on SQLite "
                + "\(Format.count(Int(sqliteRates.last!))) conv/s")
        }
        let label = "11a PostgreSQL lifecycle"
        let median = LifecycleAgainstRedis.median
        let list = { (rates: [Double]) in rates.map { Format.count(Int($0)) }.joined(separator: ", ") }
        let ratios = { (a: [Double], b: [Double]) in zip(a, b).map { $0 / $1 } }
        bench.report.add("pg.atende.c\(clients)", label, "atende on PostgreSQL (full), \(clients) bots",
                         median(postgresRates), "conv/s", detail: "median of \(rounds) rounds: \(list(postgresRates))")
        bench.report.add("pg.pgbench.c\(clients)", label, "pgbench lifecycle.sql, \(clients) clients",
                         median(pgbenchRates), "conv/s", detail: "median of \(rounds) rounds: \(list(pgbenchRates))")
        bench.report.add("pg.sqlite.c\(clients)", label, "atende on SQLite (full), \(clients) bots",
                         median(sqliteRates), "conv/s", detail: "median of \(rounds) rounds: \(list(sqliteRates))")
        let overPgbench = ratios(postgresRates, pgbenchRates)
        bench.report.add("pg.ratio.pgbench.c\(clients)", label, "atende on PostgreSQL / pgbench", median(overPgbench),
                         "x", detail: "median of the rounds' ratios: "
                            + overPgbench.map { Format.ratio($0) }.joined(separator: ", "))
        let overSQLite = ratios(postgresRates, sqliteRates)
        bench.report.add("pg.ratio.sqlite.c\(clients)", label, "atende on PostgreSQL / on SQLite", median(overSQLite),
                         "x", detail: "median of the rounds' ratios: "
                            + overSQLite.map { Format.ratio($0) }.joined(separator: ", "))
    }

    // MARK: - (b) failover

    private func failover(_ server: BenchPostgres) throws {
        let database = try server.createDatabase("failover")
        let names = ["failover-a", "failover-b"]
        var daemons = [try bench.startDaemon("failover", durability: "full", name: names[0], database: database)]
        daemons.append(try bench.startDaemon("failover", durability: "full", name: names[1], database: database,
                                             waits: false))
        defer { daemons.forEach { if $0.process.isRunning { $0.stop() } } }
        let endpoints = daemons.map { Endpoint.unix($0.socket) }
        try waitForStandby(server, database: database)
        // Some state for the new leader to load: a department and chats waiting in it.
        let admin = try RPCClient(socketPath: daemons[0].socket)
        try admin.call("auth.admin")
        try admin.call("department.create", ["id": "failover", "name": "Failover", "strategy": "manual"])
        let bot = try RPCClient(socketPath: daemons[0].socket)
        try bot.call("auth.bot")
        for number in 0..<1000 {
            try bot.call("conversation.open", ["externalId": .string("failover-\(number)"),
                                               "contact": ["phone": "11987654321"], "department": "failover"])
        }
        var times: [Double] = []
        var leader = 0
        for _ in 0..<failovers {
            let killed = daemons[leader]
            kill(killed.process.pid, SIGKILL)
            let start = monotonicSeconds()
            _ = killed.process.wait(seconds: 30)
            var served = false
            while monotonicSeconds() - start < 60 {
                if let (client, endpoint) = try? RPCClient.connectFirst(endpoints),
                   (try? client.call("system.ping", timeout: 5)) != nil {
                    served = endpoint == endpoints[1 - leader]
                    if served { break }
                }
                usleep(1000)
            }
            guard served else { throw BenchError("nothing served within 60 s after the leader was killed") }
            times.append(monotonicSeconds() - start)
            // The killed one comes back, as the standby.
            daemons[leader] = try bench.startDaemon("failover", durability: "full", name: names[leader],
                                                    database: database, waits: false)
            try waitForStandby(server, database: database)
            leader = 1 - leader
        }
        let sorted = times.sorted()
        bench.report.add("pg.failover.median", "11b failover (SIGKILL)", "median of \(times.count) rounds",
                         LifecycleAgainstRedis.median(times), "s",
                         detail: "SIGKILL to the first ping the standby answers, found by trying both sockets in "
                            + "order; 1,000 chats waiting")
        bench.report.add("pg.failover.max", "11b failover (SIGKILL)", "max of \(times.count) rounds",
                         sorted.last ?? 0, "s", detail: "min \(Format.fixed(sorted.first ?? 0, 3)) s")
    }

    /// Waits until both daemons hold a session on the database: the leader and the standby trying the lock.
    private func waitForStandby(_ server: BenchPostgres, database uri: String) throws {
        let name = BenchPostgres.databaseName(uri)
        let deadline = monotonicSeconds() + 60
        while monotonicSeconds() < deadline {
            let sessions = try server.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '\(name)' "
                                           + "AND application_name = 'atended'")
            if Int(sessions.trimmingCharacters(in: .whitespacesAndNewlines)) == 2 { return }
            usleep(20_000)
        }
        throw BenchError("the standby did not connect to the database within 60 s")
    }
}

/// The PostgreSQL server of scenario 11: ATENDE_BENCH_POSTGRES's, or one started with .ci/postgres for the run.
final class BenchPostgres {
    /// Its folder (the Unix socket's directory).
    let folder: String
    /// Whether this run started it (and stops it).
    private let owned: Bool
    private let bench: Bench
    private var databases = 0
    /// Runs of psql and pgbench so far: each writes its own output file (ChildProcess appends).
    private var runs = 0

    private init(folder: String, owned: Bool, bench: Bench) {
        self.folder = folder
        self.owned = owned
        self.bench = bench
    }

    /// The server to use; nil (with a note in the table) when PostgreSQL is not installed.
    static func obtain(bench: Bench) throws -> BenchPostgres? {
        if let folder = ProcessInfo.processInfo.environment["ATENDE_BENCH_POSTGRES"], !folder.isEmpty {
            return BenchPostgres(folder: folder, owned: false, bench: bench)
        }
        let installed = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?
            .contains { access("/usr/lib/postgresql/\($0)/bin/postgres", X_OK) == 0 } ?? false
        guard installed, access(".ci/postgres", X_OK) == 0 else {
            bench.report.note("scenario 11 skipped: PostgreSQL is not installed (Debian: apt-get install postgresql)"
                + (installed ? " or .ci/postgres is not in the current folder" : ""))
            return nil
        }
        let output = "\(bench.directory)/postgres-start.out"
        let start = try ChildProcess.start(".ci/postgres", ["start"], logPath: "\(bench.directory)/postgres-start.err",
                                           stdoutPath: output)
        let finished = start.wait(seconds: 120)
        // Read only once it exited: the folder's name is its last output.
        let folder = ProcFile.read(output)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard finished, start.exitStatus == 0, !folder.isEmpty else {
            start.stop()
            throw BenchError("cannot start PostgreSQL: \(Atended.tail("\(bench.directory)/postgres-start.err"))")
        }
        return BenchPostgres(folder: folder, owned: true, bench: bench)
    }

    /// The database name in a URI made by `createDatabase`.
    static func databaseName(_ uri: String) -> String {
        String(uri.dropFirst("postgresql:///".count).prefix { $0 != "?" })
    }

    /// Creates an empty database; returns its URI.
    func createDatabase(_ label: String) throws -> String {
        databases += 1
        let name = "bench_\(label)_\(getpid())_\(databases)"
        _ = try psql("DROP DATABASE IF EXISTS \(name)")
        _ = try psql("CREATE DATABASE \(name)")
        return "postgresql:///\(name)?host=\(folder)&user=atende"
    }

    /// Runs SQL through psql; returns its unaligned output.
    func psql(_ sql: String, database: String = "postgres") throws -> String {
        runs += 1
        let output = "\(bench.directory)/psql-\(runs).out"
        let run = try ChildProcess.start(Executable.find("psql") ?? "/usr/bin/psql",
                                         ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", folder, "-U", "atende",
                                          "-d", database, "-c", sql],
                                         logPath: "\(bench.directory)/psql.err", stdoutPath: output)
        guard run.wait(seconds: 60), run.exitStatus == 0 else {
            run.stop()
            throw BenchError("psql failed: \(Atended.tail("\(bench.directory)/psql.err"))")
        }
        defer { unlink(output) }
        return ProcFile.read(output) ?? ""
    }

    /// Runs pgbench with `script` from `clients` clients for `seconds`; returns its transactions per second.
    func pgbench(_ program: String, script: String, database uri: String, clients: Int, seconds: Int) throws
        -> Double {
        runs += 1
        let output = "\(bench.directory)/pgbench-\(runs).out"
        let run = try ChildProcess.start(program, [
            "-n", "-f", script, "-c", String(clients), "-j", "2", "-T", String(seconds), "-h", folder,
            "-U", "atende", BenchPostgres.databaseName(uri),
        ], logPath: "\(bench.directory)/pgbench.err", stdoutPath: output)
        guard run.wait(seconds: Double(seconds) + 120), run.exitStatus == 0 else {
            run.stop()
            throw BenchError("pgbench failed: \(Atended.tail("\(bench.directory)/pgbench.err"))")
        }
        let text = ProcFile.read(output) ?? ""
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("tps = ") }),
              let rate = Double(line.dropFirst("tps = ".count).prefix { $0.isNumber || $0 == "." }) else {
            throw BenchError("cannot read pgbench's output: \(text.suffix(300))")
        }
        return rate
    }

    /// Stops the server if this run started it.
    func stop() {
        guard owned else { return }
        if let run = try? ChildProcess.start(".ci/postgres", ["stop", folder],
                                             logPath: "\(bench.directory)/postgres-stop.err") {
            _ = run.wait(seconds: 60)
        }
    }
}
