// BenchCommand: atende-bench's command line. `run` runs the scenarios in the order (the anchors right
// after scenario 1, whose client counts they share, then the two side by side), keeps going when one scenario fails (the failure becomes a
// note in the table), prints the table on stdout and writes the JSON. `echo-server` is the floor's server.

import Foundation
import Glibc

enum BenchCommand {
    static let usage = """
        usage: atende-bench run [--quick] [--atended PATH] [--out FILE] [--redis-script FILE] [--only LIST] [--keep]
                               [--clients LIST] [--pgbench-script FILE]
               atende-bench echo-server SOCKET

        Runs atende's benchmark scenarios against fresh atended daemons on temporary databases and prints one
        table. --only takes scenario numbers, e.g. --only 1,7 (7 = the Redis and echo anchors, 8 = queue policy,
        9 = the WebSocket transport, 10 = offers, 11 = PostgreSQL beside pgbench and SQLite, and its failover);
        --keep leaves the temporary folder (databases, configs, daemon logs) in place and prints its path.
        --clients 50 runs scenarios 1 and 7 at those client counts only (for comparing builds). Scenario 11 uses
        ATENDE_BENCH_POSTGRES's server, else starts one with .ci/postgres.
        """

    static func main(_ arguments: [String]) -> Int32 {
        var arguments = Array(arguments.dropFirst())
        guard let mode = arguments.first else {
            print(usage)
            return 64
        }
        arguments.removeFirst()
        switch mode {
        case "echo-server":
            guard let socket = arguments.first else { return fail("echo-server needs a socket path") }
            return EchoServer.main(socket: socket)
        case "run":
            return run(arguments)
        case "--help", "-h", "help":
            print(usage)
            return 0
        default:
            return fail("unknown mode '\(mode)'\n\(usage)")
        }
    }

    static func run(_ arguments: [String]) -> Int32 {
        var quick = false
        var atended: String?
        var output = "benchmarks/results/latest.json"
        var script = "benchmarks/redis/route.lua"
        var only: Set<Int> = Set(1...11)
        var pgbenchScript = "benchmarks/postgres/lifecycle.sql"
        var keep = false
        var clients: [Int]?
        var index = 0
        func value() -> String? {
            index += 1
            return index < arguments.count ? arguments[index] : nil
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--quick": quick = true
            case "--keep": keep = true
            case "--atended": atended = value()
            case "--out": output = value() ?? output
            case "--redis-script": script = value() ?? script
            case "--pgbench-script": pgbenchScript = value() ?? pgbenchScript
            case "--only":
                only = Set((value() ?? "").split(separator: ",").compactMap { Int($0) })
            case "--clients":
                clients = (value() ?? "").split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
            default: return fail("unknown argument '\(arguments[index])'\n\(usage)")
            }
            index += 1
        }
        let selfDirectory = ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            .map { ($0 as NSString).deletingLastPathComponent }) ?? "."
        let daemonPath = atended ?? "\(selfDirectory)/atended"
        guard access(daemonPath, X_OK) == 0 else { return fail("no atended at \(daemonPath) (use --atended PATH)") }
        var plan = Plan.make(quick: quick)
        if let clients, !clients.isEmpty { plan.clientCounts = clients }
        let bench: Bench
        do { bench = try Bench(plan: plan, atendedPath: daemonPath) } catch { return fail("\(error)") }
        let started = monotonicSeconds()
        // Each scenario with whether this run includes it.
        let scenarios: [(Bool, String, () throws -> Void)] = [
            (only.contains(1), "1 durable lifecycle", { try LifecycleScenario(bench: bench).run() }),
            (only.contains(7), "7a Redis anchor", { try RedisAnchor(bench: bench, scriptPath: script).run() }),
            (only.contains(7), "7b echo floor", { try EchoAnchor(bench: bench).run() }),
            (only.contains(1) && only.contains(7), "1+7a side by side", {
                try LifecycleAgainstRedis(bench: bench, scriptPath: script).run()
            }),
            (only.contains(2), "2 latency", { try LatencyScenario(bench: bench).run() }),
            (only.contains(3), "3 backlog drain", { try BacklogScenario(bench: bench).run() }),
            (only.contains(4), "4 decision cost", {
                try DecisionScenario(bench: bench).run()
                DecisionCoreScenario(bench: bench).run()
            }),
            (only.contains(5) || only.contains(6), "5+6 memory and recovery", {
                try MemoryScenario(bench: bench).run()
            }),
            (only.contains(8), "8 queue policy", {
                try QueuePolicyScenario(bench: bench).run()
                QueuePolicyCoreScenario(bench: bench).run()
            }),
            (only.contains(9), "9 web transport", { try WebTransportScenario(bench: bench).run() }),
            (only.contains(10), "10 offers", { try OfferScenario(bench: bench).run() }),
            (only.contains(11), "11 PostgreSQL", {
                try PostgresScenario(bench: bench, pgbenchScript: pgbenchScript).run()
            }),
        ]
        for (included, name, body) in scenarios where included {
            Console.progress("== \(name)")
            let start = monotonicSeconds()
            do { try body() } catch { bench.report.note("scenario \(name) failed: \(error)") }
            Console.progress("(\(Format.fixed(monotonicSeconds() - start, 1)) s)")
        }
        let seconds = monotonicSeconds() - started
        let command = "benchmarks/run" + (quick ? " --quick" : "")
        print(bench.report.table(plan: plan, machine: bench.machine))
        print("\n(\(Format.fixed(seconds, 0)) s; results in \(output))")
        let json = bench.report.json(plan: plan, machine: bench.machine, command: command, seconds: seconds)
        let directory = (output as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        do { try ProcFile.write(output, String(decoding: json, as: UTF8.self)) } catch { return fail("\(error)") }
        if keep { Console.warn("kept \(bench.directory)") } else { bench.cleanUp() }
        return bench.report.notes.contains { $0.hasPrefix("scenario") } ? 1 : 0
    }

    static func fail(_ message: String) -> Int32 {
        Console.warn(message)
        return 64
    }
}
