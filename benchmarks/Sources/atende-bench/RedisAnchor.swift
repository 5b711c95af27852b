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
        guard let server = Executable.find("redis-server"), let driver = Executable.find("redis-benchmark") else {
            bench.report.note("redis-server or redis-benchmark is missing: apt-get install -y redis-server "
                + "(benchmarks/run does it when run as root); the Redis anchor was skipped")
            return
        }
        guard let script = ProcFile.read(scriptPath), !script.isEmpty else {
            throw BenchError("cannot read the Redis script \(scriptPath)")
        }
        let directory = "\(bench.directory)/redis"
        mkdir(directory, 0o700)
        let socket = "\(directory)/redis.sock"
        let process = try ChildProcess.start(server, [
            "--port", "0", "--unixsocket", socket, "--unixsocketperm", "700", "--dir", directory,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
            "--logfile", "\(directory)/redis.log",
        ], logPath: "\(directory)/redis.stderr")
        defer { process.stop() }
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
        let redis = connection!
        let info = try redis.command(["INFO", "server"]).text
        if let version = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("redis_version:") }) {
            bench.machine.redis = "Redis " + version.dropFirst("redis_version:".count)
        }
        let sha = try redis.command(["SCRIPT", "LOAD", script]).text
        let agents = (0..<16).map { "agent-\($0)" }
        try redis.command(["ZADD", "agents:life"] + agents.flatMap { ["0", $0] })
        let subscribers = try agents.map { agent -> Int32 in
            let fd = try UnixStream.connect(socket)
            let command = "*2\r\n$9\r\nSUBSCRIBE\r\n$\(agent.utf8.count + 6)\r\nagent:\(agent)\r\n"
            _ = Array(command.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            return fd
        }
        Subscribers.drain(subscribers)
        let arguments = ["EVALSHA", sha, "3", "queue:life", "agents:life", "assignments", "chat:__rand_int__", "1000"]
        for clients in bench.plan.clientCounts {
            let pilot = try benchmark(driver, socket: socket, clients: clients, requests: 200 * clients,
                                      arguments: arguments)
            let requests = max(1000, Int(pilot * (bench.plan.warmupSeconds + bench.plan.measureSeconds)))
            let rate = try benchmark(driver, socket: socket, clients: clients, requests: requests,
                                     arguments: arguments)
            bench.report.add("redis.c\(clients)", "7a Redis (fsync always)",
                             "\(clients) client\(clients == 1 ? "" : "s")", rate, "conv/s",
                             detail: "redis-benchmark EVALSHA route.lua, \(Format.count(requests)) calls")
        }
        let assigned = try redis.command(["HLEN", "assignments"])
        let queued = try redis.command(["LLEN", "queue:life"])
        if queued != .integer(0) || assigned == .integer(0) {
            bench.report.note("Redis anchor looks wrong: \(assigned.text) assignments, \(queued.text) left queued")
        }
        subscribers.forEach { close($0) }
    }

    /// Runs redis-benchmark once; returns its requests per second.
    private func benchmark(_ driver: String, socket: String, clients: Int, requests: Int, arguments: [String])
        throws -> Double {
        let output = "\(bench.directory)/redis/benchmark-\(clients)-\(requests).csv"
        let run = try ChildProcess.start(driver, [
            "-s", socket, "-c", String(clients), "-n", String(requests), "-r", "100000000", "--csv",
        ] + arguments, logPath: "\(bench.directory)/redis/benchmark.stderr", stdoutPath: output)
        guard run.wait(seconds: 600), run.exitStatus == 0 else {
            run.stop()
            throw BenchError("redis-benchmark failed: \(Atended.tail("\(bench.directory)/redis/benchmark.stderr"))")
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
    static func drain(_ fds: [Int32]) {
        Thread.detachNewThread {
            var polls = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            var buffer = [UInt8](repeating: 0, count: 65536)
            var open = polls.count
            while open > 0 {
                guard poll(&polls, nfds_t(polls.count), 1000) >= 0 else { return }
                for index in polls.indices where polls[index].fd >= 0 && polls[index].revents != 0 {
                    let count = buffer.withUnsafeMutableBytes { recv(polls[index].fd, $0.baseAddress, $0.count, 0) }
                    if count <= 0 {
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
