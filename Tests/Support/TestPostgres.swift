// TestPostgres: a real PostgreSQL for the tests, run by .ci/postgres (initdb in a temp folder, a Unix socket in
// that folder, no TCP, no root service). `make test` starts one and names its folder in ATENDE_TEST_POSTGRES; a
// test process run on its own starts one on first use and stops it at exit. Each test takes a fresh database,
// so tests never see each other's rows or advisory locks. Tests that restart the server take a private one.

import Foundation
import Glibc

/// A PostgreSQL server for tests, reached through a Unix socket in `folder`.
public final class TestPostgres: @unchecked Sendable {
    /// The folder with the data, the log and the socket.
    public let folder: String
    private let owned: Bool
    private let lock = NSLock()
    private var nextDatabase = 0

    private init(folder: String, owned: Bool) {
        self.folder = folder
        self.owned = owned
    }

    deinit { if owned { Self.script(["stop", folder]) } }

    /// The shared server: ATENDE_TEST_POSTGRES's, or one started for this process (nil when PostgreSQL is not
    /// installed; the caller skips).
    public static let shared: TestPostgres? = {
        if let folder = ProcessInfo.processInfo.environment["ATENDE_TEST_POSTGRES"], !folder.isEmpty {
            return TestPostgres(folder: folder, owned: false)
        }
        guard let server = try? TestPostgres.start() else { return nil }
        processServer = server.folder
        atexit { if let folder = processServer { TestPostgres.script(["stop", folder]) } }
        return server
    }()

    nonisolated(unsafe) private static var processServer: String?

    /// Starts a private server (stopped and removed when the value is released); `listen`: an address to take
    /// TCP connections on too, from anyone.
    public static func start(listen: String? = nil) throws -> TestPostgres {
        if let listen { setenv("ATENDE_PG_LISTEN", listen, 1) }
        defer { if listen != nil { unsetenv("ATENDE_PG_LISTEN") } }
        let output = try script(["start"], check: true)
        let folder = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return TestPostgres(folder: folder, owned: true)
    }

    /// The repository's root (where .ci/postgres is), found from this file's path.
    static var root: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    @discardableResult
    static func script(_ arguments: [String], check: Bool = false) throws -> String {
        try run(root + "/.ci/postgres", arguments, check: check)
    }

    @discardableResult
    static func script(_ arguments: [String]) -> String { (try? script(arguments, check: false)) ?? "" }

    /// Runs a program to its end with posix_spawn and waitpid (Foundation's Process has been seen to miss a
    /// child's exit in the test processes, which spawn many); stdout and stderr go through files.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], check: Bool) throws -> String {
        let base = NSTemporaryDirectory() + "atende-pg-run-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let outPath = base + ".out"
        let errPath = base + ".err"
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw TestPostgresError(message: "cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        if check && exited != 0 {
            let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            throw TestPostgresError(message: "\(executable) \(arguments.joined(separator: " ")): exit \(exited): "
                                    + errors)
        }
        return output
    }

    /// The URI of database `name` on this server.
    public func uri(database name: String) -> String {
        "postgresql:///\(name)?host=\(folder)&user=atende"
    }

    /// Runs SQL through psql on database `database`; returns its unaligned output.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        let bin = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?
            .sorted { $0.compare($1, options: .numeric) == .orderedAscending }.last
            .map { "/usr/lib/postgresql/\($0)/bin/psql" } ?? "/usr/bin/psql"
        return try Self.run(bin, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", folder, "-U", "atende",
                                  "-d", database, "-c", sql], check: true)
    }

    /// Creates an empty database of its own for a test and returns its URI.
    public func freshDatabase() throws -> String {
        let number = lock.withLock { () -> Int in
            nextDatabase += 1
            return nextDatabase
        }
        let name = "atende_\(getpid())_\(number)_\(UInt32.random(in: 0...UInt32.max))"
        try psql("CREATE DATABASE \(name)")
        return uri(database: name)
    }

    /// Stops the server (fast shutdown) and starts it again on the same data.
    public func restart() throws { try Self.script(["restart", folder], check: true) }
}

/// A failure of the test server's script.
public struct TestPostgresError: Error, CustomStringConvertible {
    /// What failed.
    public let message: String
    /// The message.
    public var description: String { message }
}
