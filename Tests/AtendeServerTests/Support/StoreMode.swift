// StoreMode: which store the end-to-end tests run on. ATENDE_TEST_STORE=postgresql (make test's second pass) gives
// each TestDaemon a fresh PostgreSQL database; tests of what only the SQLite file has (its bytes on disk, its
// fsync, its file faults, a second daemon on the same file) skip there, saying why.

import Foundation
import XCTest

/// True when the end-to-end tests run on PostgreSQL.
var testsRunOnPostgres: Bool { ProcessInfo.processInfo.environment["ATENDE_TEST_STORE"] == "postgresql" }

/// Skips the test on PostgreSQL: it checks something only the SQLite store has.
func skipOnPostgres(_ reason: String) throws {
    if testsRunOnPostgres { throw XCTSkip("SQLite only: \(reason)") }
}
