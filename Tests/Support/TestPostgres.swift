// TestPostgres: a real PostgreSQL for the tests, run by .ci/postgres (initdb in a temp folder, a Unix socket in
// that folder, no TCP, no root service). `make test` starts one and names its folder in ATENDE_TEST_POSTGRES; a
// test process run on its own starts one on first use and stops it at exit. Each test takes a fresh database,
// so tests never see each other's rows or advisory locks. Tests that restart the server take a private one.

import Foundation

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

    /// Starts a private server (stopped and removed when the value is released).
    public static func start() throws -> TestPostgres {
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

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], check: Bool) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        let errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if check && process.terminationStatus != 0 {
            throw TestPostgresError(message: "\(executable) \(arguments.joined(separator: " ")): "
                                    + String(decoding: errorData, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
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
