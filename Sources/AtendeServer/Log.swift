// Log: leveled log lines on stderr in logfmt (level=info msg="..." key=value). Under systemd (JOURNAL_STREAM set)
// each line starts with the journald priority prefix <N>. Secrets never reach this file: callers pass ids.

import Foundation

/// How much to log.
public enum LogLevel: String, Sendable, Comparable, CaseIterable {
    /// Everything, including each connection.
    case debug
    /// Life-cycle events.
    case info
    /// Things that went wrong but were handled.
    case warn
    /// Things that need a person.
    case error

    var rank: Int { [.debug: 0, .info: 1, .warn: 2, .error: 3][self]! }
    var journalPriority: Int { [.debug: 7, .info: 6, .warn: 4, .error: 3][self]! }

    /// Orders by severity.
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank < b.rank }
}

/// Writes log lines to stderr.
public enum Log {
    nonisolated(unsafe) static var level = LogLevel.info
    nonisolated(unsafe) static var journald = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil

    /// Logs `message` with logfmt fields when `severity` is at or above the configured level.
    public static func write(_ severity: LogLevel, _ message: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        guard severity >= level else { return }
        var line = journald ? "<\(severity.journalPriority)>" : ""
        if !journald { line += "ts=\(Date().formatted(.iso8601)) " }
        line += "level=\(severity.rawValue) msg=\(quote(message))"
        for (key, value) in fields { line += " \(key)=\(quote("\(value)"))" }
        line += "\n"
        FileHandle.standardError.write(line.data(using: .utf8)!)
    }

    static func quote(_ value: String) -> String {
        if !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:@+".contains($0) }) {
            return value
        }
        var out = "\""
        for ch in value {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(ch)
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
