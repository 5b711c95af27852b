// Scenario 7a, the Redis anchor: Debian's redis-server on a Unix socket with appendonly yes and appendfsync
// always (a write is acknowledged only after the AOF is fsynced, like atende's durability full), running the
// routing step as a Lua script (benchmarks/redis/route.lua: queue the chat, pick the least-loaded eligible agent
// from a sorted set, check capacity, pop the department list, record the assignment, publish to the agent, and
// close it again so loads stay flat), driven by redis-benchmark at the same client counts as scenario 1. Sixteen
// subscribers receive the agents' messages, as atende's sixteen attendants receive their pushes.
// redis-benchmark has no duration option, so a short pilot run sizes the measured one.

import Foundation
import Glibc

/// Scenario 7a.
struct RedisAnchor {
    let bench: Bench
    let scriptPath: String

    func run() throws {
        guard let redis = try RedisServer.start(bench: bench, scriptPath: scriptPath) else { return }
        defer { redis.stop() }
        for clients in bench.plan.clientCounts {
            let (rate, requests) = try redis.measure(clients: clients,
                                                     seconds: bench.plan.warmupSeconds + bench.plan.measureSeconds)
            bench.report.add("redis.c\(clients)", "7a Redis (fsync always)",
                             "\(clients) client\(clients == 1 ? "" : "s")", rate, "conv/s",
                             detail: "redis-benchmark EVALSHA route.lua, \(Format.count(requests)) calls")
        }
        try redis.check()
    }
}

/// A redis-server for the anchor, set up for route.lua: 16 agents in `agents:life`, each with a subscriber.
final class RedisServer {
    private let bench: Bench
    private let process: ChildProcess
    private let driver: String
    private let directory: String
    private let socket: String
    private let connection: RESPConnection
    private let arguments: [String]
    /// Calls per second of a short pilot run, by client count: sizes the measured runs.
    private var pilots: [Int: Double] = [:]
    /// redis-benchmark runs so far (each writes its own output file).
    private var runs = 0

    /// Starts redis-server and loads the script; nil (with a note in the table) when Redis is not installed.
    static func start(bench: Bench, scriptPath: String) throws -> RedisServer? {
        guard let server = Executable.find("redis-server"), let driver = Executable.find("redis-benchmark") else {
            bench.report.note("redis-server or redis-benchmark is missing: apt-get install -y redis-server "
                + "(benchmarks/run does it when run as root); the Redis anchor was skipped")
            return nil
        }
        guard let script = ProcFile.read(scriptPath), !script.isEmpty else {
            throw BenchError("cannot read the Redis script \(scriptPath)")
        }
        let directory = "\(bench.directory)/redis-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(directory, 0o700)
        let socket = "\(directory)/redis.sock"
        let process = try ChildProcess.start(server, [
            "--port", "0", "--unixsocket", socket, "--unixsocketperm", "700", "--dir", directory,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
            // No background AOF rewrites: one started in a Redis window of the side-by-side rounds could go on
            // into atende's (a forked child writing the data set out); this only spares Redis work.
            "--auto-aof-rewrite-percentage", "0",
            "--logfile", "\(directory)/redis.log",
        ], logPath: "\(directory)/redis.stderr")
        do {
            let deadline = monotonicSeconds() + 10
            var connection: RESPConnection?
            while connection == nil {
                connection = try? RESPConnection(socket: socket)
                if connection == nil {
                    guard process.isRunning, monotonicSeconds() < deadline else {
                        throw BenchError("redis-server did not start: \(Atended.tail("\(directory)/redis.log"))")
                    }
                    usleep(2000)
                }
            }
            return try RedisServer(bench: bench, process: process, connection: connection!, driver: driver,
                                   directory: directory, socket: socket, script: script)
        } catch {
            process.stop()
            throw error
        }
    }

    private init(bench: Bench, process: ChildProcess, connection: RESPConnection, driver: String,
                 directory: String, socket: String, script: String) throws {
        self.bench = bench
        self.process = process
        self.connection = connection
        self.driver = driver
        self.directory = directory
        self.socket = socket
        let info = try connection.command(["INFO", "server"]).text
        if let version = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("redis_version:") }) {
            bench.machine.redis = "Redis " + version.dropFirst("redis_version:".count)
        }
        let sha = try connection.command(["SCRIPT", "LOAD", script]).text
        let agents = (0..<16).map { "agent-\($0)" }
        try connection.command(["ZADD", "agents:life"] + agents.flatMap { ["0", $0] })
        var subscribers: [Int32] = []
        do {
            for agent in agents {
                let fd = try UnixStream.connect(socket)
                subscribers.append(fd)
                let command = "*2\r\n$9\r\nSUBSCRIBE\r\n$\(agent.utf8.count + 6)\r\nagent:\(agent)\r\n"
                _ = Array(command.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
        } catch {
            subscribers.forEach { close($0) }
            throw error
        }
        Subscribers.drain(subscribers)
        arguments = ["EVALSHA", sha, "3", "queue:life", "agents:life", "assignments", "chat:__rand_int__", "1000"]
    }

    /// Runs the routing step from `clients` redis-benchmark clients for about `seconds` (redis-benchmark has no
    /// duration option: a pilot run of 200 calls per client, once per client count, sizes it); returns calls per
    /// second and the number of calls.
    func measure(clients: Int, seconds: Double) throws -> (rate: Double, requests: Int) {
        if pilots[clients] == nil {
            pilots[clients] = try benchmark(clients: clients, requests: 200 * clients)
        }
        let requests = max(1000, Int(pilots[clients]! * seconds))
        return (try benchmark(clients: clients, requests: requests), requests)
    }

    /// Notes in the table when the script's data looks wrong (nothing assigned, or chats left queued).
    func check() throws {
        let assigned = try connection.command(["HLEN", "assignments"])
        let queued = try connection.command(["LLEN", "queue:life"])
        if queued != .integer(0) || assigned == .integer(0) {
            bench.report.note("Redis anchor looks wrong: \(assigned.text) assignments, \(queued.text) left queued")
        }
    }

    /// Stops redis-server; the subscribers' thread sees their connections end and closes them.
    func stop() {
        process.stop()
    }

    /// Runs redis-benchmark once; returns its requests per second.
    private func benchmark(clients: Int, requests: Int) throws -> Double {
        runs += 1
        let output = "\(directory)/benchmark-\(runs).csv"
        let run = try ChildProcess.start(driver, [
            "-s", socket, "-c", String(clients), "-n", String(requests), "-r", "100000000", "--csv",
        ] + arguments, logPath: "\(directory)/benchmark.stderr", stdoutPath: output)
        guard run.wait(seconds: 600), run.exitStatus == 0 else {
            run.stop()
            throw BenchError("redis-benchmark failed: \(Atended.tail("\(directory)/benchmark.stderr"))")
        }
        let lines = (ProcFile.read(output) ?? "").split(whereSeparator: \.isNewline)
        guard lines.count >= 2 else { throw BenchError("redis-benchmark printed no result") }
        let fields = lines[1].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        guard fields.count > 1, let rate = Double(fields[1]) else {
            throw BenchError("cannot read redis-benchmark's output: \(lines[1])")
        }
        return rate
    }
}

/// Readers for the agents' subscriptions: a thread reads and drops what Redis publishes until Redis goes away.
enum Subscribers {
    /// Reads and drops from `fds` on a thread of their own, closing each when Redis ends its connection.
    static func drain(_ fds: [Int32]) {
        Thread.detachNewThread {
            var polls = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            var buffer = [UInt8](repeating: 0, count: 65536)
            var open = polls.count
            while open > 0 {
                if poll(&polls, nfds_t(polls.count), 1000) < 0 {
                    if errno == EINTR { continue }
                    polls.filter { $0.fd >= 0 }.forEach { close($0.fd) }
                    return
                }
                for index in polls.indices where polls[index].fd >= 0 && polls[index].revents != 0 {
                    let count = buffer.withUnsafeMutableBytes { recv(polls[index].fd, $0.baseAddress, $0.count, 0) }
                    if count <= 0 {
                        close(polls[index].fd)
                        polls[index].fd = -1
                        open -= 1
                    }
                }
            }
        }
    }
}

/// Programs on PATH.
enum Executable {
    /// The full path of `name` on PATH (plus /usr/sbin and /sbin), nil when absent.
    static func find(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin:/usr/sbin:/sbin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
