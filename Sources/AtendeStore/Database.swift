// Database and Statement: a thin, honest wrapper over sqlite3, in the manner of GRDB.
// Statements are prepared once and finalized in deinit; every error carries SQLite's result code, its message and
// the SQL that failed. One thread uses a Database at a time (the server's loop); it is not Sendable.

import AtendeCore
import CSQLite
import CSQLiteWAL

/// An SQLite failure with the result code, the message and the SQL.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// SQLite's extended result code.
    public var code: Int32
    /// SQLite's message.
    public var message: String
    /// The statement that failed, when there is one.
    public var sql: String?

    /// Creates an error.
    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// "disk I/O error (code 10) in: INSERT ..."
    public var description: String {
        var text = "\(message) (code \(code))"
        if let sql { text += " in: \(sql.prefix(120))" }
        return text
    }

    /// A short reason for clients, without SQL.
    public var reason: String {
        switch code & 0xff {
        case SQLITE_FULL: return "storage is full"
        case SQLITE_READONLY: return "storage is read-only"
        case SQLITE_BUSY, SQLITE_LOCKED: return "storage is locked"
        case SQLITE_IOERR: return "storage I/O error"
        case SQLITE_CORRUPT: return "storage is corrupt"
        case SQLITE_CANTOPEN: return "storage cannot be opened"
        default: return "storage error: \(message)"
        }
    }
}

/// A value to bind to a statement parameter.
public enum SQLValue: Sendable, Equatable {
    /// SQL NULL.
    case null
    /// An integer.
    case int(Int64)
    /// A text.
    case text(String)
    /// A blob.
    case blob([UInt8])
}

/// An open SQLite connection.
public final class Database {
    let handle: OpaquePointer
    private var cache: [String: Statement] = [:]
    /// Hot statements, keyed by the address of their literal: no hashing of the SQL text on every use.
    private var literalCache: IDMap<UInt, Statement> = [:]
    /// Statements of many rows (`bulk`), by their template's address and their number of rows.
    private var bulkCache: [BulkKey: Statement] = [:]

    private struct BulkKey: Hashable {
        var template: UInt
        var rows: Int
    }

    /// Runs before the next statement of this connection, once: the store writes the rows it holds back
    /// (`DeferredRows`), so every statement, a read included, meets them in the file. Cleared as it starts.
    var beforeNextStatement: (() throws(StoreError) -> Void)?

    private func runBeforeNextStatement() throws(StoreError) {
        guard let hook = beforeNextStatement else { return }
        beforeNextStatement = nil
        try hook()
    }

    /// Process-wide SQLite settings, applied once before the first connection opens (memory statistics must be
    /// turned off before anything initializes SQLite, registering a VFS included). The name of the VFS files are
    /// opened with: the WAL-gathering one (CSQLiteWAL), or the default should it fail to register.
    private static let vfs: String? = {
        _ = atende_sqlite_disable_memstatus()
        _ = atende_pcache_install()
        return atende_wal_vfs_register() == SQLITE_OK ? ATENDE_WAL_VFS : nil
    }()

    /// Opens (creating when missing) the database file at `path`.
    public init(path: String) throws(StoreError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, Self.vfs)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(db)
            throw StoreError(code: rc, message: "\(message): \(path)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        let registered = sqlite3_create_function_v2(db, "atende_fold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil,
                                                    foldFunction, nil, nil, nil)
        guard registered == SQLITE_OK else {
            sqlite3_close_v2(db)
            throw StoreError(code: registered, message: "cannot register atende_fold: \(path)")
        }
    }

    private var isOpen = true

    deinit { close() }

    /// Finalizes the cached statements and closes the connection (once).
    public func close() {
        guard isOpen else { return }
        isOpen = false
        beforeNextStatement = nil
        cache.removeAll()
        literalCache.removeAll()
        bulkCache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws(StoreError) {
        try runBeforeNextStatement()
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw StoreError(code: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// A prepared statement for `sql`, cached for reuse; it comes back reset with its bindings cleared.
    public func cached(_ sql: String) throws(StoreError) -> Statement {
        try runBeforeNextStatement()
        if let statement = cache[sql] {
            statement.reset()
            return statement
        }
        let statement = try Statement(database: self, sql: sql)
        cache[sql] = statement
        return statement
    }

    /// `cached` for a literal, looked up by the literal's address instead of its text: for the hot path. The
    /// statement comes back reset but keeps the previous run's bindings (clearing 30 of them costs more than
    /// binding them): every caller binds each parameter its statement uses.
    public func cachedLiteral(_ sql: StaticString) throws(StoreError) -> Statement {
        try runBeforeNextStatement()
        let key = UInt(bitPattern: sql.utf8Start)
        if let statement = literalCache[key] {
            statement.rewind()
            return statement
        }
        let statement = try Statement(database: self, sql: sql.description)
        literalCache[key] = statement
        return statement
    }

    /// A statement of `rows` rows made from `template` by `expand` (the SQL for that many rows), cached like
    /// `cachedLiteral`'s: its callers bind every parameter. It does not run `beforeNextStatement`: the rows it
    /// writes are the ones that hook writes.
    func bulk(_ template: StaticString, rows: Int, expand: (String, Int) -> String) throws(StoreError) -> Statement {
        let key = BulkKey(template: UInt(bitPattern: template.utf8Start), rows: rows)
        if let statement = bulkCache[key] {
            statement.rewind()
            return statement
        }
        let statement = try Statement(database: self, sql: expand(template.description, rows))
        bulkCache[key] = statement
        return statement
    }

    /// The first column of the first row of `sql`, as an integer.
    public func scalar(_ sql: String, _ values: SQLValue...) throws(StoreError) -> Int64? {
        let statement = try cached(sql)
        defer { statement.reset() }
        try statement.bind(values)
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int(0)
    }

    /// The first column of the first row of `sql`, as text.
    public func text(_ sql: String) throws(StoreError) -> String? {
        let statement = try cached(sql)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.optionalText(0)
    }

    /// Runs a statement with parameters that returns no rows.
    public func run(_ sql: String, _ values: [SQLValue]) throws(StoreError) {
        let statement = try cached(sql)
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() {}
    }

    /// The rowid of the last insert.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }
    /// True inside BEGIN ... COMMIT.
    public var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// After a commit: writes what the WAL-gathering VFS still holds of the WAL (nothing, as long as SQLite writes
    /// frames as the VFS expects). Returns the bytes it had to write, or -1 when that write or any write of the WAL
    /// since the last commit or rollback failed.
    func settleWAL() -> Int64 { Int64(atende_wal_settle(handle)) }

    /// Before a rollback: drops the rolled-back frames the WAL-gathering VFS holds.
    func discardWAL() { atende_wal_discard(handle) }

    /// True when files are opened through the WAL-gathering VFS (false only if it could not be registered).
    public static var gathersWAL: Bool { vfs != nil }

    /// The writes the WAL-gathering VFS has made to this connection's WAL file (-1 without it). For tests.
    var walWriteCount: Int64 { Int64(atende_wal_write_count(handle)) }

    /// Tests: the next `count` writes of the WAL to the disk fail, writing nothing.
    func failWALWritesForTests(_ count: Int) { atende_wal_fail_writes_for_tests(handle, Int32(count)) }

    func error(_ rc: Int32, sql: String?) -> StoreError {
        StoreError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}

private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// `atende_fold(text)`: `ContactSearch.fold` for SQL (NULL stays NULL).
private let foldFunction: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
    context, count, values in
    guard count == 1, let value = values?[0], let text = sqlite3_value_text(value) else {
        sqlite3_result_null(context)
        return
    }
    // By length, not up to a NUL: a name may hold one, and PostgreSQL's fold reads past it.
    let length = Int(sqlite3_value_bytes(value))
    let name = String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self)
    var folded = ContactSearch.fold(name)
    folded.withUTF8 { sqlite3_result_text(context, $0.baseAddress, Int32($0.count), transient) }
}

/// A prepared statement; finalized when released.
public final class Statement {
    let handle: OpaquePointer
    unowned let database: Database
    /// The statement's SQL.
    public let sql: String

    /// A copy of each text and blob value bound (by parameter index), kept from run to run. Bound with
    /// SQLITE_STATIC, SQLite reads them in place; with SQLITE_TRANSIENT it copies each value into an allocation
    /// of its own and frees it at the next bind: several for every conversation opened and closed.
    private var copies: [UnsafeMutableRawBufferPointer?] = []
    /// Values longer than this (a message's text, a photo) are bound with SQLITE_TRANSIENT, as a copy kept for
    /// the next run would hold their memory for good.
    static let maxKeptBytes = 4096

    init(database: Database, sql: String) throws(StoreError) {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw database.error(rc, sql: sql) }
        self.handle = statement
        self.database = database
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)  // first: until then SQLite may read the copies
        for copy in copies { copy?.deallocate() }
    }

    /// Binds values to parameters 1...n.
    public func bind(_ values: [SQLValue]) throws(StoreError) {
        for (offset, value) in values.enumerated() { try bind(value, at: Int32(offset + 1)) }
    }

    /// Binds one value.
    public func bind(_ value: SQLValue, at index: Int32) throws(StoreError) {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, index)
        case .int(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .text(let v):
            var text = v
            rc = text.withUTF8 { bind(UnsafeRawBufferPointer($0), at: index, text: true) }
        case .blob(let v):
            rc = v.withUnsafeBytes { bind($0, at: index, text: false) }
        }
        guard rc == SQLITE_OK else { throw database.error(rc, sql: sql) }
    }

    /// Binds an integer, or NULL for nil (for the hot path: no `SQLValue` to build and take apart).
    public func bind(_ value: Int64?, at index: Int32) throws(StoreError) {
        let rc = value.map { sqlite3_bind_int64(handle, index, $0) } ?? sqlite3_bind_null(handle, index)
        guard rc == SQLITE_OK else { throw database.error(rc, sql: sql) }
    }

    /// Binds a text, or NULL for nil (for the hot path, as above).
    public func bind(_ value: String?, at index: Int32) throws(StoreError) {
        let rc: Int32
        if var text = value {
            rc = text.withUTF8 { bind(UnsafeRawBufferPointer($0), at: index, text: true) }
        } else {
            rc = sqlite3_bind_null(handle, index)
        }
        guard rc == SQLITE_OK else { throw database.error(rc, sql: sql) }
    }

    /// Binds `bytes` as text or blob: a copy in the parameter's kept buffer, read by SQLite in place.
    private func bind(_ bytes: UnsafeRawBufferPointer, at index: Int32, text: Bool) -> Int32 {
        let count = bytes.count
        guard count <= Self.maxKeptBytes, index >= 1 else {
            return text ? sqlite3_bind_text(handle, index, bytes.baseAddress, Int32(count), transient)
                : sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(count), transient)
        }
        let slot = Int(index)
        if slot >= copies.count { copies.append(contentsOf: repeatElement(nil, count: slot + 1 - copies.count)) }
        let copy: UnsafeMutableRawBufferPointer
        if let kept = copies[slot], kept.count >= count {
            copy = kept
        } else {
            // The old buffer may still be bound from the last run: nothing reads it before the bind below.
            copies[slot]?.deallocate()
            var size = 32
            while size < count { size <<= 1 }
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
            copies[slot] = grown
            copy = grown
        }
        if count > 0 { copy.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: count) }
        // A non-nil pointer even for an empty value: a nil one would bind NULL.
        return text ? sqlite3_bind_text(handle, index, copy.baseAddress, Int32(count), nil)
            : sqlite3_bind_blob(handle, index, copy.baseAddress, Int32(count), nil)
    }

    /// Advances; true when a row is available.
    public func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let error = database.error(rc, sql: sql)
        sqlite3_reset(handle)
        throw error
    }

    /// Resets for another run and clears bindings.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Resets for another run, leaving the bindings: for the end of a run, when the next use fetches the
    /// statement through `Database.cached` (which clears them) or `cachedLiteral` (whose callers bind them all).
    public func rewind() {
        sqlite3_reset(handle)
    }

    /// True when the column is NULL.
    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    /// The column as an integer.
    public func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    /// The column as an integer, or nil when NULL.
    public func optionalInt(_ column: Int32) -> Int64? { isNull(column) ? nil : int(column) }
    /// The column as text ("" when NULL).
    public func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }
    /// The column as text, or nil when NULL.
    public func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
    /// The column's text as UTF-8 bytes where SQLite holds them (valid only during `body`).
    public func withTextBytes<R>(_ column: Int32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let pointer = sqlite3_column_text(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return body(UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }
    /// The column as bytes.
    public func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
