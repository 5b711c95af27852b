// Log: leveled log lines on stderr in logfmt (ts=... level=info msg="..." key=value). Under systemd (JOURNAL_STREAM
// set) each line starts with the journald priority prefix <N> instead of a timestamp. Lines are buffered and
// written once per loop turn, so logging an assignment costs no system call of its own. Secrets never reach this
// file: callers pass ids, never tokens, passwords or hashes.

import AtendeCore
import Glibc
import Synchronization

/// How much to log.
public enum LogLevel: String, Sendable, Comparable, CaseIterable {
    /// Everything, including each connection.
    case debug
    /// Life-cycle events and each routing decision.
    case info
    /// Things that went wrong but were handled.
    case warn
    /// Things that need a person.
    case error

    var rank: Int {
        switch self {
        case .debug: return 0
        case .info: return 1
        case .warn: return 2
        case .error: return 3
        }
    }

    var journalPriority: Int {
        switch self {
        case .debug: return 7
        case .info: return 6
        case .warn: return 4
        case .error: return 3
        }
    }

    /// Orders by severity.
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank < b.rank }
}

/// Writes log lines to stderr.
public enum Log {
    private static let state = Mutex(State())

    private struct State {
        var journald = getenv("JOURNAL_STREAM") != nil
        var buffer: [UInt8] = []
        var buffering = false
    }

    /// The lowest level written.
    public static var level: LogLevel {
        get { LogLevel.allCases.first { $0.rank == lowestRank.load(ordering: .relaxed) } ?? .info }
        set { lowestRank.store(newValue.rank, ordering: .relaxed) }
    }

    /// The level's rank, read without a lock by `enabled` (asked on every assignment).
    private static let lowestRank = Atomic<Int>(LogLevel.info.rank)

    /// True when lines carry the journald priority prefix.
    public static var journald: Bool {
        get { state.withLock { $0.journald } }
        set { state.withLock { $0.journald = newValue } }
    }

    /// True when `severity` would be written.
    public static func enabled(_ severity: LogLevel) -> Bool { severity.rank >= lowestRank.load(ordering: .relaxed) }

    /// Holds lines until `flush` (the loop calls it at the end of each turn).
    public static func beginBuffering() { state.withLock { $0.buffering = true } }

    /// Writes the held lines.
    public static func flush() {
        let bytes = state.withLock { state -> [UInt8] in
            defer { state.buffer.removeAll(keepingCapacity: true) }
            return state.buffer
        }
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// Logs `message` with logfmt fields when `severity` is at or above the configured level.
    public static func write(_ severity: LogLevel, _ message: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        guard enabled(severity) else { return }
        var line = ""
        if journald {
            line += "<\(severity.journalPriority)>"
        } else {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            line += "ts=" + Instant(millis: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000).iso8601 + " "
        }
        line += "level=\(severity.rawValue) msg=\(quote(message))"
        for (key, value) in fields { line += " \(key)=\(quote("\(value)"))" }
        line += "\n"
        let buffered = state.withLock { state -> Bool in
            if state.buffering { state.buffer += Array(line.utf8) }
            return state.buffering
        }
        if !buffered {
            _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
        } else if severity >= .warn {
            flush()
        }
    }

    static func quote(_ value: String) -> String {
        if !value.isEmpty, value.unicodeScalars.allSatisfy({ scalar in
            (scalar.value > 0x20 && scalar.value < 0x7f) && scalar != "\"" && scalar != "=" && scalar != "\\"
        }) {
            return value
        }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// debug
    public static func debug(_ m: String, _ f: KeyValuePairs<String, Any> = [:]) { write(.debug, m, f) }
    /// info
    public static func info(_ m: String, _ f: KeyValuePairs<String, Any> = [:]) { write(.info, m, f) }
    /// warn
    public static func warn(_ m: String, _ f: KeyValuePairs<String, Any> = [:]) { write(.warn, m, f) }
    /// error
    public static func error(_ m: String, _ f: KeyValuePairs<String, Any> = [:]) { write(.error, m, f) }
}
