// CrashStoreReader: what the crash loops read straight from the store beside what the daemon answers: SQLite's
// file (SQLiteReader), or the daemon's PostgreSQL database through psql. The queries are plain SQL both accept;
// `?` marks a text parameter.

import AtendeTestSupport
import Foundation
import XCTest

/// Rows of a query on the daemon's store, each column as text (nil for NULL).
protocol CrashStoreReader {
    func rows(_ sql: String, _ values: [String]) throws -> [[String?]]
}

extension CrashStoreReader {
    /// The first column of the first row.
    func text(_ sql: String, _ values: [String] = []) throws -> String? {
        try rows(sql, values).first?.first ?? nil
    }

    /// The first column of the first row as an integer (0 when absent).
    func int(_ sql: String, _ values: [String] = []) throws -> Int {
        Int(try text(sql, values) ?? "0") ?? 0
    }
}

extension SQLiteReader: CrashStoreReader {}

/// A PostgreSQL database read through psql (unaligned output, `|` between columns: the crash loops read ids,
/// counts and sums, never free text).
struct PostgresReader: CrashStoreReader {
    let server: TestPostgres
    let database: String

    /// The reader of the database a `postgresql:///NAME?...` URI names.
    init(server: TestPostgres, uri: String) {
        self.server = server
        database = String(uri.dropFirst("postgresql:///".count).prefix { $0 != "?" })
    }

    func rows(_ sql: String, _ values: [String]) throws -> [[String?]] {
        var query = ""
        var remaining = values[...]
        for character in sql {
            if character == "?", let value = remaining.popFirst() {
                query += "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
            } else {
                query.append(character)
            }
        }
        let output = try server.psql(query, database: database)
        return output.split(separator: "\n").map { line in
            line.split(separator: "|", omittingEmptySubsequences: false).map { $0.isEmpty ? nil : String($0) }
        }
    }
}

extension TestDaemon {
    /// What the crash loops read from the store: the SQLite file, or the PostgreSQL database.
    func storeReader() throws -> any CrashStoreReader {
        guard let uri = config["database"]?.stringValue, uri.hasPrefix("postgresql://") else {
            return try readOnlyDatabase()
        }
        let server = try XCTUnwrap(TestPostgres.shared, "no PostgreSQL")
        return PostgresReader(server: server, uri: uri)
    }
}
