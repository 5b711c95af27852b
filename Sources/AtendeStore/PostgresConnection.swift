// PostgresConnection: a thin, honest wrapper over one libpq connection, used synchronously (opening, leadership,
// migrations, loading at start, and the loop's reads that memory cannot answer). Parameters travel as text (bytea
// as binary), results come back as text; every error carries the SQLSTATE, PostgreSQL's message and the SQL.
// One thread uses a connection at a time. The turn's writes go through PostgresPipeline instead.

import CPostgres
import Glibc

extension StoreError {
    /// The code of a PostgreSQL failure that says nothing about the connection (a constraint, a syntax error).
    public static let postgresFailure: Int32 = -1
    /// The code of a lost (or never opened) PostgreSQL connection: the daemon stops acknowledging and exits 75.
    public static let postgresConnectionLost: Int32 = -75

    /// True when the PostgreSQL connection is gone.
    public var isConnectionLost: Bool { code == StoreError.postgresConnectionLost }
}

/// PostgreSQL's text cannot hold a NUL, which SQLite's keeps: texts go in with each NUL written as U+10FFFF "0"
/// and U+10FFFF itself doubled (a noncharacter, valid UTF-8 that PostgreSQL stores as it is), and come back
/// undone, so every text round-trips whole and distinct texts stay distinct (in keys and comparisons too).
enum PostgresText {
    static let escape: Character = "\u{10FFFF}"

    /// The text as stored.
    static func encode(_ text: String) -> String {
        // U+10FFFF is the only scalar whose UTF-8 has the bytes F4 8F BF BF; 0xF4 leads only scalars from U+100000.
        guard text.utf8.contains(where: { $0 == 0 || $0 == 0xF4 }) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\u{0}": result += "\u{10FFFF}0"
            case "\u{10FFFF}": result += "\u{10FFFF}\u{10FFFF}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The text as it was given.
    static func decode(_ stored: String) -> String {
        guard stored.utf8.contains(0xF4) else { return stored }
        var result = ""
        var escaped = false
        for scalar in stored.unicodeScalars {
            if escaped {
                result.unicodeScalars.append(scalar == "0" ? "\u{0}" : scalar)
                escaped = false
            } else if scalar == "\u{10FFFF}" {
                escaped = true
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

/// The rows of one PostgreSQL result, as text.
public struct PostgresRows: Sendable {
    /// Rows then columns; nil is NULL.
    var values: [[String?]]

    /// The number of rows.
    public var count: Int { values.count }

    /// Copies a PGresult's rows.
    init(_ result: OpaquePointer) {
        let rows = Int(PQntuples(result))
        let columns = Int(PQnfields(result))
        values = []
        values.reserveCapacity(rows)
        for row in 0..<rows {
            var line: [String?] = []
            line.reserveCapacity(columns)
            for column in 0..<columns {
                if PQgetisnull(result, Int32(row), Int32(column)) != 0 {
                    line.append(nil)
                } else {
                    line.append(PostgresText.decode(String(cString: PQgetvalue(result, Int32(row), Int32(column)))))
                }
            }
            values.append(line)
        }
    }

    init(values: [[String?]]) { self.values = values }

    /// The value as text ("" when NULL).
    func text(_ row: Int, _ column: Int) -> String { values[row][column] ?? "" }
    /// The value as text, or nil when NULL.
    func optionalText(_ row: Int, _ column: Int) -> String? { values[row][column] }
    /// The value as an integer (0 when NULL); booleans read as 1 and 0.
    func int(_ row: Int, _ column: Int) -> Int64 { optionalInt(row, column) ?? 0 }
    /// The value as an integer, or nil when NULL.
    func optionalInt(_ row: Int, _ column: Int) -> Int64? {
        guard let text = values[row][column] else { return nil }
        if text == "t" { return 1 }
        if text == "f" { return 0 }
        return Int64(text)
    }
    /// A bytea value (hex output: "\x0102...").
    func bytes(_ row: Int, _ column: Int) -> [UInt8] {
        guard let text = values[row][column] else { return [] }
        let digits = Array(text.utf8.dropFirst(2))
        var result: [UInt8] = []
        result.reserveCapacity(digits.count / 2)
        func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
        var index = 0
        while index + 1 < digits.count {
            result.append(nibble(digits[index]) << 4 | nibble(digits[index + 1]))
            index += 2
        }
        return result
    }
}

/// The text of a libpq error message, without its last newline.
func postgresMessage(_ pointer: UnsafePointer<CChar>?) -> String {
    guard let pointer else { return "no message" }
    var text = String(cString: pointer)
    while text.hasSuffix("\n") { text.removeLast() }
    return text
}

/// The StoreError of a failed PGresult (nil result: the connection's own error).
func postgresError(_ result: OpaquePointer?, connection: OpaquePointer, sql: String?) -> StoreError {
    guard let result else {
        let lost = PQstatus(connection) != CONNECTION_OK
        return StoreError(code: lost ? StoreError.postgresConnectionLost : StoreError.postgresFailure,
                          message: postgresMessage(PQerrorMessage(connection)), sql: sql)
    }
    let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
    let message = postgresMessage(PQresultErrorMessage(result))
    // Class 08 is a connection exception, 57P01-57P03 an administrator's shutdown or a server that cannot take
    // connections: the session (and with it the leadership) is gone.
    let lost = PQstatus(connection) != CONNECTION_OK || state?.hasPrefix("08") == true
        || state?.hasPrefix("57P") == true
    return StoreError(code: lost ? StoreError.postgresConnectionLost : StoreError.postgresFailure,
                      message: state.map { "\(message) (SQLSTATE \($0))" } ?? message, sql: sql)
}

/// Runs `body` with libpq's parameter arrays for `values`: text for all but blobs, which go as binary.
func withPostgresParameters<T>(_ values: [SQLValue],
                               _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
                                        UnsafePointer<Int32>?) -> T) -> T {
    var pointers: [UnsafePointer<CChar>?] = []
    var lengths: [Int32] = []
    var formats: [Int32] = []
    var owned: [UnsafeMutableRawPointer] = []
    pointers.reserveCapacity(values.count)
    lengths.reserveCapacity(values.count)
    formats.reserveCapacity(values.count)
    defer { for pointer in owned { free(pointer) } }
    for value in values {
        switch value {
        case .null:
            pointers.append(nil)
            lengths.append(0)
            formats.append(0)
        case .int(let number):
            let copy = strdup(String(number))!
            owned.append(UnsafeMutableRawPointer(copy))
            pointers.append(UnsafePointer(copy))
            lengths.append(0)
            formats.append(0)
        case .text(let text):
            let copy = strdup(PostgresText.encode(text))!
            owned.append(UnsafeMutableRawPointer(copy))
            pointers.append(UnsafePointer(copy))
            lengths.append(0)
            formats.append(0)
        case .blob(let bytes):
            let copy = malloc(max(1, bytes.count))!
            bytes.withUnsafeBytes { if let base = $0.baseAddress { memcpy(copy, base, bytes.count) } }
            owned.append(copy)
            pointers.append(UnsafePointer(copy.assumingMemoryBound(to: CChar.self)))
            lengths.append(Int32(bytes.count))
            formats.append(1)
        }
    }
    return pointers.withUnsafeBufferPointer { p in
        lengths.withUnsafeBufferPointer { l in
            formats.withUnsafeBufferPointer { f in
                body(Int32(values.count), p.baseAddress, l.baseAddress, f.baseAddress)
            }
        }
    }
}

/// One libpq connection, used synchronously.
public final class PostgresConnection {
    let handle: OpaquePointer
    private var prepared: [String: String] = [:]
    private var isOpen = true

    /// Connects with a libpq connection string or a postgresql:// URI.
    public init(conninfo: String) throws(StoreError) {
        guard let connection = PQconnectdb(conninfo) else {
            throw StoreError(code: StoreError.postgresConnectionLost, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = postgresMessage(PQerrorMessage(connection))
            PQfinish(connection)
            throw StoreError(code: StoreError.postgresConnectionLost, message: "cannot connect: \(message)")
        }
        handle = connection
    }

    deinit { close() }

    /// Closes the connection (once); the session's advisory locks go with it.
    public func close() {
        guard isOpen else { return }
        isOpen = false
        PQfinish(handle)
    }

    /// True while libpq sees the connection as good.
    public var isGood: Bool { isOpen && PQstatus(handle) == CONNECTION_OK }

    /// The connection's socket.
    var socket: Int32 { PQsocket(handle) }

    /// Runs one or more statements without parameters (simple protocol).
    public func execute(_ sql: String) throws(StoreError) {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        let status = result.map { PQresultStatus($0) }
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            throw postgresError(result, connection: handle, sql: sql)
        }
    }

    /// Runs one statement with parameters, prepared once per connection, and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> PostgresRows {
        var name = prepared[sql]
        if name == nil {
            let fresh = "q\(prepared.count + 1)"
            let result = PQprepare(handle, fresh, sql, 0, nil)
            defer { PQclear(result) }
            guard let result, PQresultStatus(result) == PGRES_COMMAND_OK else {
                throw postgresError(result, connection: handle, sql: sql)
            }
            prepared[sql] = fresh
            name = fresh
        }
        let result = withPostgresParameters(values) { count, pointers, lengths, formats in
            PQexecPrepared(handle, name!, count, pointers, lengths, formats, 0)
        }
        defer { PQclear(result) }
        guard let result, PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK
        else { throw postgresError(result, connection: handle, sql: sql) }
        return PostgresRows(result)
    }

    /// The first column of the first row, as an integer.
    public func scalar(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> Int64? {
        let rows = try query(sql, values)
        return rows.count == 0 ? nil : rows.optionalInt(0, 0)
    }
}
