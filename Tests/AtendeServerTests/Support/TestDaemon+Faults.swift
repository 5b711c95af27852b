// TestDaemon, fault injection and inspection: what the durability, fault and hostile-client tests need beyond
// starting and stopping. A read-only SQLite view of the daemon's file (integrity_check, row checks), the
// daemon's resident memory and open descriptors from /proc, a wrapper command around the binary (prlimit,
// setpriv) via ATENDE_BINARY, batches, and a raw line reader for fuzzers that must not trust the client's
// bookkeeping. It is an extension in its own file so the shared harness stays as its author wrote it.

import AtendeClient
import AtendeProtocol
import AtendeStore
import CSQLite
import Foundation
import Glibc
import XCTest

extension TestDaemon {
    /// The daemon's process id (0 when not running).
    var pid: Int32 { process?.processIdentifier ?? 0 }

    /// A field of /proc/PID/status in kB (VmRSS, VmHWM, ...), or nil.
    func procStatus(_ field: String) -> Int? {
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
            return nil
        }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// Resident memory of the daemon in kB.
    var residentKB: Int { procStatus("VmRSS") ?? 0 }

    /// How many descriptors the daemon holds open.
    var openDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    /// The CPU time the daemon has used so far (user and system, all threads), in seconds, from /proc/PID/stat.
    var cpuSeconds: Double {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        // After the command's ")": state is field 3, utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Stops the daemon with SIGSTOP and waits until it is stopped (resume it with SIGCONT): bytes sent meanwhile
    /// are all queued when it next reads, as on a machine too busy to schedule it.
    func pause() throws {
        Glibc.kill(pid, SIGSTOP)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            if let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] == "T" { return }
            usleep(1000)
        }
        throw TestDaemonError(description: "the daemon did not stop on SIGSTOP")
    }

    /// Runs `body` with `ATENDE_BINARY` pointing at a script that runs `prefix` + the real binary, so every start
    /// inside `body` goes through the wrapper (`prlimit --fsize=N`, `setpriv --reuid=...`). The script `exec`s,
    /// so the process id stays the daemon's.
    func withWrapper<T>(_ prefix: [String], _ body: () throws -> T) throws -> T {
        let binary = try TestDaemon.binary()
        let script = directory + "/wrapper-\(UInt32.random(in: 0...UInt32.max)).sh"
        let quoted = (prefix + [binary]).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let text = "#!/bin/sh\nexec " + quoted.joined(separator: " ") + " \"$@\"\n"
        guard FileManager.default.createFile(atPath: script, contents: Data(text.utf8),
                                             attributes: [.posixPermissions: 0o755]) else {
            throw TestDaemonError(description: "cannot write \(script)")
        }
        let previous = getenv("ATENDE_BINARY").map { String(cString: $0) }
        setenv("ATENDE_BINARY", script, 1)
        defer {
            if let previous { setenv("ATENDE_BINARY", previous, 1) } else { unsetenv("ATENDE_BINARY") }
        }
        return try body()
    }

    /// The daemon's database opened read-only from the test (WAL readers do not disturb the running daemon).
    func readOnlyDatabase() throws -> SQLiteReader { try SQLiteReader(path: databasePath) }

    /// `PRAGMA integrity_check` of a copy of the database files as they are now (a crashed daemon's files are
    /// checked without the daemon's own recovery having run on them).
    func integrityOfCopy() throws -> String {
        let copy = directory + "/copy-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: databasePath + suffix) {
            try FileManager.default.copyItem(atPath: databasePath + suffix, toPath: copy + "/atende.db" + suffix)
        }
        let reader = try SQLiteReader(path: copy + "/atende.db", readOnly: false)
        return try reader.text("PRAGMA integrity_check") ?? "no answer"
    }

    /// Sends `requests` (method, params) as one JSON-RPC batch and returns the responses by id (ids are 1...n).
    func batch(_ client: RPCClient, _ requests: [(String, JSON?)], timeout: Double = 60) throws -> [Int64: JSON] {
        var result: [Int64: JSON] = [:]
        var start = 0
        while start < requests.count {
            let slice = requests[start..<min(start + 1000, requests.count)]
            var members: [String] = []
            for (offset, request) in slice.enumerated() {
                let id = JSON.int(Int64(start + offset + 1))
                members.append(String(decoding: RPCEncoder.request(id: id, method: request.0, params: request.1),
                                      as: UTF8.self))
            }
            try client.sendRaw(Array(("[" + members.joined(separator: ",") + "]\n").utf8))
            let answer = try client.nextResponse(timeout: timeout)
            guard let items = answer.arrayValue else {
                throw TestDaemonError(description: "batch answer is not an array: \(answer.text.prefix(300))")
            }
            for item in items { if let id = item["id"]?.intValue { result[id] = item } }
            start += slice.count
        }
        return result
    }
}

/// Runs a command and waits; returns its exit status and what it wrote (stdout and stderr together).
@discardableResult
func runCommand(_ arguments: [String]) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return (127, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Writes `bytes` to socket `fd` on another thread, so a test can go on while the write waits for the daemon to
/// read (a daemon that stops reading must fail the test, not hang it). Leaves `group` when done or failed.
func sendInBackground(_ fd: Int32, _ bytes: [UInt8], group: DispatchGroup) {
    group.enter()
    Thread {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { break }
            offset += written
        }
        group.leave()
    }.start()
}

/// Raises the soft limit of open files to the hard limit (the daemon started afterwards inherits it); returns it.
@discardableResult
func raiseOpenFileLimit() -> Int {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
    return Int(clamping: limit.rlim_cur)
}

/// A read-only SQLite connection for checking what the daemon wrote, without going through the daemon.
final class SQLiteReader {
    private let handle: OpaquePointer

    /// Opens `path` (read-only unless told otherwise) with a busy timeout, so a momentary writer lock is waited out.
    init(path: String, readOnly: Bool = true) throws {
        // SQLite's process-wide settings (atende's page cache among them) must come before anything initializes
        // SQLite: a first Database does them, as in the daemon, so tests that follow in this process see them.
        _ = try Database(path: ":memory:")
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "code \(rc)"
            sqlite3_close_v2(db)
            throw TestDaemonError(description: "cannot open \(path): \(message)")
        }
        handle = db
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Every row of `sql`, each column as text (nil for NULL).
    func rows(_ sql: String, _ values: [String] = []) throws -> [[String?]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw TestDaemonError(description: "prepare failed: \(String(cString: sqlite3_errmsg(handle))): \(sql)")
        }
        defer { sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (index, value) in values.enumerated() {
            sqlite3_bind_text(statement, Int32(index + 1), value, -1, transient)
        }
        var result: [[String?]] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                throw TestDaemonError(description: "step failed: \(String(cString: sqlite3_errmsg(handle))): \(sql)")
            }
            var row: [String?] = []
            for column in 0..<sqlite3_column_count(statement) {
                row.append(sqlite3_column_text(statement, column).map { String(cString: $0) })
            }
            result.append(row)
        }
        return result
    }

    /// The first column of the first row.
    func text(_ sql: String, _ values: [String] = []) throws -> String? {
        try rows(sql, values).first?.first ?? nil
    }

    /// The first column of the first row as an integer (0 when absent).
    func int(_ sql: String, _ values: [String] = []) throws -> Int {
        Int(try text(sql, values) ?? "0") ?? 0
    }

    /// Holds the write lock until `release()`: `BEGIN EXCLUSIVE` (in WAL mode writers wait, readers go on).
    func lockForWriting() throws {
        guard sqlite3_exec(handle, "BEGIN EXCLUSIVE", nil, nil, nil) == SQLITE_OK else {
            throw TestDaemonError(description: "BEGIN EXCLUSIVE failed: \(String(cString: sqlite3_errmsg(handle)))")
        }
    }

    /// Ends the transaction `lockForWriting` began.
    func release() { sqlite3_exec(handle, "ROLLBACK", nil, nil, nil) }
}

/// A socket that reads lines itself and checks each is JSON: for fuzzers that send anything and must see exactly
/// what comes back, however many answers a mangled input produced.
final class RawLineSocket {
    /// The underlying client (for sending).
    let client: RPCClient
    private var framer = LineFramer(maxLineBytes: 64 * 1_048_576)
    private var buffer = [UInt8](repeating: 0, count: 65536)

    /// Wraps a connected client; its own reading methods must not be used afterwards.
    init(_ client: RPCClient) { self.client = client }

    /// What reading found.
    enum Read {
        /// A line that parsed as JSON.
        case message(JSON)
        /// A line that is not JSON (the daemon must never send one).
        case garbage([UInt8])
        /// The server closed the connection.
        case closed
        /// Nothing arrived before the deadline.
        case timeout
    }

    /// The next line from the server.
    func next(until deadline: Date) -> Read {
        while true {
            switch framer.next() {
            case .line(let line):
                guard let message = try? JSONParser.parse(line) else { return .garbage(line) }
                return .message(message)
            case .tooLong:
                return .garbage([])
            case .needMore:
                break
            }
            guard client.waitReadable(until: deadline) else { return .timeout }
            let count = buffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return .closed }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .closed
            }
            framer.append(Array(buffer[0..<count]))
        }
    }
}

/// A small deterministic random generator (SplitMix64), so a failing seed can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    /// Starts from `seed`.
    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// An integer from the environment, or `fallback`.
func environmentInt(_ name: String, _ fallback: Int) -> Int {
    ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? fallback
}
