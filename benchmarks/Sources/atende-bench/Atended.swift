// Atended: one atended under test, on its own socket and database in the run's temporary folder. Starting it
// returns only once it answers `system.ping`, and the time that took is kept: scenario 6 reads it as the
// recovery time. The config keeps password hashing cheap (cost 1) so set-up of thousands of attendants is fast;
// the hashing happens off the daemon's loop and is not what the scenarios measure.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc

/// A running atended.
final class Atended {
    /// The process.
    let process: ChildProcess
    /// Its Unix socket.
    let socket: String
    /// Its SQLite file.
    let database: String
    /// Where its stderr goes.
    let logPath: String
    /// Seconds from spawn to the first answered ping.
    let startSeconds: Double
    /// `ws://127.0.0.1:PORT/rpc` when started with `web` (the `http` listener), else nil.
    private(set) var webSocketURL: String?
    /// The tokens every bench daemon takes (clients over TCP need them; the Unix socket's peer-uid rule does not).
    static let adminToken = "bench-admin-token-0123456789"
    static let botToken = "bench-bot-token-0123456789"

    private init(process: ChildProcess, socket: String, database: String, logPath: String, startSeconds: Double) {
        self.process = process
        self.socket = socket
        self.database = database
        self.logPath = logPath
        self.startSeconds = startSeconds
    }

    /// Starts atended with `durability` on `directory/name.db` (kept if it exists), or on `database` when given
    /// (a file or a postgresql:// URI), and waits until it serves. `waits` false: returns once it is spawned
    /// (a standby, which serves nothing until it leads).
    static func start(binary: String, directory: String, name: String, durability: String, webPort: Int? = nil,
                      database chosen: String? = nil, waits: Bool = true, timeout: Double = 120) throws -> Atended {
        let socket = "\(directory)/\(name).sock"
        var database = chosen ?? "\(directory)/\(name).db"
        // ATENDE_BENCH_POSTGRES names the folder of a server started by .ci/postgres: the daemon then runs on a
        // fresh PostgreSQL database of that server instead of an SQLite file.
        if chosen == nil, let server = ProcessInfo.processInfo.environment["ATENDE_BENCH_POSTGRES"], !server.isEmpty {
            let fresh = "bench_\(name.filter { $0.isLetter || $0.isNumber })_\(getpid())"
            let sql = "DROP DATABASE IF EXISTS \(fresh)\" -c \"CREATE DATABASE \(fresh)"
            guard system("psql -X -q -h '\(server)' -U atende -d postgres -c \"\(sql)\" >/dev/null") == 0 else {
                throw BenchError("cannot create database \(fresh) on \(server)")
            }
            database = "postgresql:///\(fresh)?host=\(server)&user=atende"
        }
        let logPath = "\(directory)/\(name).log"
        let configPath = "\(directory)/\(name).json"
        try ProcFile.write(configPath, """
            {"socket": "\(socket)", "database": "\(database)", "durability": "\(durability)", "passwordCost": 1,
             "maxConnections": 20000, "logLevel": "warn", "socketMode": "0600",
             "adminToken": "\(adminToken)", "botToken": "\(botToken)",
             "http": \(webPort.map { #"{"listen": "127.0.0.1:\#($0)"}"# } ?? "null")}
            """)
        let started = monotonicSeconds()
        let process = try ChildProcess.start(binary, ["--config", configPath], logPath: logPath)
        let deadline = started + timeout
        while waits {
            if ping(socket) { break }
            guard process.isRunning else {
                throw BenchError("atended exited (status \(process.exitStatus ?? -1)) at start: \(tail(logPath))")
            }
            guard monotonicSeconds() < deadline else {
                process.stop()
                throw BenchError("atended did not serve within \(Int(timeout)) s: \(tail(logPath))")
            }
            usleep(500)
        }
        let daemon = Atended(process: process, socket: socket, database: database, logPath: logPath,
                             startSeconds: monotonicSeconds() - started)
        daemon.webSocketURL = webPort.map { "ws://127.0.0.1:\($0)/rpc" }
        return daemon
    }

    /// True when a connection to `socket` answers `system.ping`.
    static func ping(_ socket: String) -> Bool {
        guard let client = try? RPCClient(socketPath: socket) else { return false }
        return (try? client.call("system.ping", timeout: 10)) != nil
    }

    /// Stops the daemon (SIGTERM); warns when it had exited already or logged anything (the log level is warn,
    /// so a line means something went wrong under load: a slow client, a failed commit).
    func stop() {
        if !process.isRunning {
            Console.warn("atended had exited (status \(process.exitStatus ?? -1)): \(Atended.tail(logPath))")
            return
        }
        process.stop()
        if let log = ProcFile.read(logPath), !log.isEmpty {
            let lines = log.split(separator: "\n")
            Console.warn("atended logged \(lines.count) line(s) in \(logPath); first: \(lines.first ?? "")")
        }
    }

    /// An admin's blocking call, for checks between phases.
    func adminCall(_ method: String) throws -> JSON {
        let client = try RPCClient(socketPath: socket)
        try client.call("auth.admin")
        return try client.call(method, timeout: 120)
    }

    /// Number of chats waiting in every department, from `stats.get`.
    func waitingTotal() throws -> Int {
        let stats = try adminCall("stats.get")
        guard let departments = stats["departments"]?.objectValue else { return 0 }
        return departments.values.reduce(0) { $0 + Int($1["waiting"]?.intValue ?? 0) }
    }

    /// The last lines of a log file.
    static func tail(_ path: String) -> String {
        let text = ProcFile.read(path) ?? ""
        let lines = text.split(separator: "\n").suffix(8)
        return lines.isEmpty ? "(log empty)" : lines.joined(separator: "\n")
    }
}
