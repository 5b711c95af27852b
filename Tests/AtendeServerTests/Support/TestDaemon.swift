// TestDaemon: runs the real `atended` binary on a socket in a fresh temp folder, the way Redis's black-box tests
// run redis-server, so the end-to-end tests see exactly what a client sees. It writes a config file (fast
// password hashing, no fsync: tests check behaviour, not the disk), waits until the socket answers, hands out
// authenticated clients, and can stop (SIGTERM), kill (SIGKILL) and restart the daemon on the same files.
// The daemon's stdout and stderr go to files in the folder (never pipes that could fill up and stall it).

import AtendeClient
import AtendeProtocol
import AtendeTestSupport
import Foundation
import Glibc
import XCTest

/// What went wrong starting or driving the daemon under test.
struct TestDaemonError: Error, CustomStringConvertible {
    /// A sentence for the test log.
    let description: String
}

/// A running `atended` in a temp folder; killed and deleted on `deinit` if the test did not stop it.
final class TestDaemon {
    /// The temp folder holding the config, socket, database and logs.
    let directory: String
    /// The socket path (relative config paths are taken from the folder, the daemon's current directory).
    var socketPath: String { resolve(config["socket"]?.stringValue ?? "atende.sock") }
    /// The database path.
    var databasePath: String { resolve(config["database"]?.stringValue ?? "atende.db") }
    /// The config file path.
    var configPath: String { directory + "/atende.json" }
    /// The config written at each start; tests may change it before `restart()`.
    var config: [String: JSON]
    /// Extra environment for the daemon (ATENDE_BOT_TOKEN and ATENDE_ADMIN_TOKEN are cleared unless set here).
    var environment: [String: String] = [:]
    /// The running process, if any.
    private(set) var process: Process?
    /// How many times the daemon was started (names the log files).
    private var starts = 0
    /// Clients handed out; `disconnect` hangs one up, and the tests own the rest.
    private var clients: [RPCClient] = []

    /// The test password that satisfies the policy.
    static let password = "Secret123"

    /// Creates the folder and starts the daemon with the default test config plus `overrides`.
    init(_ overrides: [String: JSON] = [:], environment: [String: String] = [:], start: Bool = true) throws {
        var template = Array("/tmp/atende-e2e-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestDaemonError(description: "mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
        config = [
            "socket": .string(directory + "/atende.sock"),
            "database": .string(directory + "/atende.db"),
            "passwordCost": 1,
            "durability": "normal",
        ]
        // ATENDE_TEST_STORE=postgresql runs the end-to-end suite on PostgreSQL: a fresh database per daemon.
        if ProcessInfo.processInfo.environment["ATENDE_TEST_STORE"] == "postgresql" {
            guard let server = TestPostgres.shared else { throw TestDaemonError(description: "no PostgreSQL") }
            config["database"] = .string(try server.freshDatabase())
        }
        for (key, value) in overrides { config[key] = value }
        self.environment = environment
        if start { try self.start() }
    }

    deinit {
        if let crash = crashReport() { XCTFail("atended crashed in \(directory):\n\(crash)") }
        clients.removeAll()
        if let process, process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        if ProcessInfo.processInfo.environment["ATENDE_E2E_KEEP"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// The first lines of a crash the daemon reported on stderr (a Swift runtime trap, an exclusivity
    /// violation, a signal's backtrace), from any of its starts; nil when none. A crashed daemon otherwise shows
    /// only as a reset connection in whichever step came next.
    func crashReport() -> String? {
        let signatures = ["Fatal error", "Fatal access conflict", "Program crashed", "Simultaneous accesses"]
        for start in stride(from: 1, through: max(starts, 1), by: 1) {
            guard let text = try? String(contentsOfFile: directory + "/stderr-\(start).log", encoding: .utf8),
                  let line = text.split(separator: "\n").firstIndex(where: { line in
                      signatures.contains { line.contains($0) }
                  }) else { continue }
            let lines = text.split(separator: "\n")
            return lines[max(0, line - 2)..<min(lines.count, line + 12)].joined(separator: "\n")
        }
        return nil
    }

    private func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : directory + "/" + path }

    // MARK: - The binary

    /// The `atended` built next to the test bundle (or `$ATENDE_BINARY`).
    static func binary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["ATENDE_BINARY"] { return path }
        var candidates: [URL] = [Bundle.main.bundleURL, Bundle(for: TestDaemon.self).bundleURL]
        candidates.append(URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]))
        for start in candidates {
            var folder = start.standardizedFileURL
            for _ in 0..<6 {
                let path = folder.appendingPathComponent("atended").path
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                   FileManager.default.isExecutableFile(atPath: path) {
                    return path
                }
                folder = folder.deletingLastPathComponent()
            }
        }
        throw TestDaemonError(description: "atended binary not found next to the test bundle "
            + "(\(ProcessInfo.processInfo.arguments[0])); build it with `swift build --build-tests` "
            + "or set ATENDE_BINARY")
    }

    // MARK: - Starting and stopping

    /// Writes the config file from `config`.
    func writeConfig() throws {
        let bytes = Array(JSON.object(JSONObject(config)).text.utf8)
        guard FileManager.default.createFile(atPath: configPath, contents: Data(bytes)) else {
            throw TestDaemonError(description: "cannot write \(configPath)")
        }
    }

    /// Launches `atended --config` without waiting for the socket; the caller owns what happens next.
    @discardableResult
    func launch(arguments: [String]? = nil) throws -> Process {
        try writeConfig()
        starts += 1
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = arguments ?? ["--config", configPath]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["ATENDE_BOT_TOKEN"] = nil
        environment["ATENDE_ADMIN_TOKEN"] = nil
        for (key, value) in self.environment { environment[key] = value }
        process.environment = environment
        let out = directory + "/stdout-\(starts).log"
        let err = directory + "/stderr-\(starts).log"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        try process.run()
        return process
    }

    /// Starts the daemon and waits (up to `timeout` seconds) until its socket answers `system.ping`.
    func start(arguments: [String]? = nil, timeout: Double = 10) throws {
        precondition(process == nil || process?.isRunning == false, "daemon already running")
        let process = try launch(arguments: arguments)
        self.process = process
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning {
                throw TestDaemonError(description: "atended exited with \(process.terminationStatus) at start:\n"
                    + lastStderr)
            }
            if let client = try? RPCClient(socketPath: socketPath),
               (try? client.call("system.ping", timeout: 2)) != nil {
                return
            }
            usleep(20_000)
        }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw TestDaemonError(description: "atended did not answer on \(socketPath) within \(timeout) s:\n"
            + lastStderr)
    }

    /// Sends SIGTERM and waits for the exit; returns the exit status (SIGKILLs and throws after `timeout`).
    @discardableResult
    func stop(timeout: Double = 20) throws -> Int32 {
        guard let process else { throw TestDaemonError(description: "daemon not started") }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGTERM) }
        return try wait(process, timeout: timeout)
    }

    /// Sends SIGKILL and waits for the process to go.
    func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops the daemon (SIGTERM) and starts it again on the same folder, config and database.
    func restart() throws {
        if process?.isRunning == true {
            let status = try stop()
            guard status == 0 else { throw TestDaemonError(description: "atended stopped with status \(status)") }
        }
        process = nil
        try start()
    }

    /// Waits for `process` to exit; returns its status, or throws after SIGKILL when it takes over `timeout`.
    func wait(_ process: Process, timeout: Double = 20) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestDaemonError(description: "atended did not exit within \(timeout) s:\n" + lastStderr)
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// True while the daemon process runs.
    var isRunning: Bool { process?.isRunning ?? false }

    // MARK: - Logs

    /// Everything the daemon wrote on stderr, over all starts.
    var stderrText: String {
        (1...max(starts, 1)).map { log("stderr", $0) }.joined()
    }

    /// What the latest start wrote on stderr.
    var lastStderr: String { log("stderr", starts) }

    /// What the latest start wrote on stdout.
    var lastStdout: String { log("stdout", starts) }

    private func log(_ stream: String, _ start: Int) -> String {
        guard let data = FileManager.default.contents(atPath: directory + "/\(stream)-\(start).log") else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: - Clients

    /// A new unauthenticated connection.
    func connect() throws -> RPCClient {
        let client = try RPCClient(socketPath: socketPath)
        clients.append(client)
        return client
    }

    /// A connection authenticated as admin (no token: the tests run as the daemon's own user).
    func admin() throws -> RPCClient {
        let client = try connect()
        try client.call("auth.admin")
        return client
    }

    /// A connection authenticated as the bot.
    func bot() throws -> RPCClient {
        let client = try connect()
        try client.call("auth.bot")
        return client
    }

    /// A connection logged in as an attendant.
    func attendant(login: String, password: String = TestDaemon.password) throws -> RPCClient {
        let client = try connect()
        try client.call("auth.login", ["login": .string(login), "password": .string(password)])
        return client
    }

    /// Hangs up a client now (shutdown of both directions), e.g. to make an attendant go offline; the object
    /// stays valid but every further call fails.
    func disconnect(_ client: RPCClient) {
        shutdown(client.fd, Int32(SHUT_RDWR))
    }
}
