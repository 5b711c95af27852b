// PostgresStore on its own: numbered migrations, leadership by the advisory lock (a second store waits as a
// standby until the first lets go), and a lost connection (the session killed by the server): the store says so
// at once, the pending commit fails, nothing later is taken, and the standby becomes the leader.

import Foundation
import XCTest
import AtendeCore
import AtendeTestSupport
@testable import AtendeStore

final class PostgresStoreTests: XCTestCase {
    var server: TestPostgres!
    var uri = ""

    override func setUpWithError() throws {
        server = try XCTUnwrap(TestPostgres.shared, "PostgreSQL is not installed (make deps installs it)")
        uri = try server.freshDatabase()
    }

    var databaseName: String { String(uri.dropFirst("postgresql:///".count).prefix { $0 != "?" }) }

    func testAFreshDatabaseIsMigratedToTheLatestVersionAndANewerOneIsRefused() throws {
        let store = try PostgresStore(uri: uri)
        store.close()
        XCTAssertEqual(try server.psql("SELECT version FROM atende_schema", database: databaseName)
                        .trimmingCharacters(in: .whitespacesAndNewlines), "\(Schema.latestVersion)",
                       "the same numbering as SQLite's")
        XCTAssertEqual(PostgresSchema.latestVersion, Schema.latestVersion)
        try server.psql("UPDATE atende_schema SET version = version + 1", database: databaseName)
        XCTAssertThrowsError(try PostgresStore(uri: uri)) { XCTAssertTrue("\($0)".contains("newer"), "\($0)") }
    }

    /// A turn that ends while a commit is out waits to be synced with the turns after it; a turn under way when
    /// that sync goes out must not be cut by it. Here turn B is under way when the slow commit before it is
    /// answered; B is then abandoned, and none of it may be in the database.
    func testADeferredCommitNeverTakesPartOfTheTurnUnderWay() throws {
        let store = try PostgresStore(uri: uri)
        defer { store.close() }
        let t0 = Instant(millis: 1_795_700_000_000)
        func conversation(_ id: Int64) -> Conversation {
            Conversation(id: id, externalId: "ext-\(id)", contactPhone: "+5511987654321", contactName: "Zé",
                         department: "sales", state: .queued, openedAt: t0, queuedAt: t0, queueSeq: id)
        }
        try store.write("SELECT pg_sleep(0.5)", [])  // the commit out: slow
        try store.commit()
        try store.saveConversation(conversation(1), new: true, explained: nil)  // turn A: ends while it is out
        try store.commit()
        try store.saveConversation(conversation(2), new: true, explained: nil)  // turn B, under way
        usleep(1_000_000)  // the slow commit is answered meanwhile, and A's sync goes out
        store.rollback()
        try store.saveConversation(conversation(3), new: true, explained: nil)
        try store.commit()
        try store.waitForCommits()
        let ids = try server.psql("SELECT id FROM conversations ORDER BY id", database: databaseName)
            .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        XCTAssertEqual(ids, ["1", "3"], "turn B, abandoned, must leave nothing")
    }

    func testASecondStoreWaitsAsAStandbyUntilTheLeaderLetsGo() throws {
        let leader = try PostgresStore(uri: uri)
        try leader.saveDepartment(Department(id: "sales", name: "Sales"), now: Instant(millis: 1))
        try leader.commit()
        var calls = 0
        XCTAssertThrowsError(try PostgresStore(uri: uri, standby: { first in
            calls += 1
            XCTAssertEqual(first, calls == 1)
            return calls < 3
        }))
        XCTAssertEqual(calls, 3, "asked while the leader holds the lock, then gave up")
        leader.close()
        var waited = false
        let next = try PostgresStore(uri: uri, standby: { _ in
            waited = true
            return true
        })
        XCTAssertFalse(waited, "the lock is free once the leader closed")
        XCTAssertEqual(try next.departments().map(\.id), ["sales"], "what the leader committed is there")
        next.close()
    }

    func testALostConnectionIsReportedAtOnceAndNothingMoreIsTaken() throws {
        let lost = DispatchSemaphore(value: 0)
        let leader = try PostgresStore(uri: uri, onLost: { _ in lost.signal() })
        try leader.saveDepartment(Department(id: "before", name: "Before"), now: Instant(millis: 1))
        try leader.commit()
        try leader.waitForCommits()
        // A standby waits meanwhile, on a thread of its own.
        let standbyReady = DispatchSemaphore(value: 0)
        let standbyUp = DispatchSemaphore(value: 0)
        let uri = self.uri
        nonisolated(unsafe) var standby: PostgresStore?
        Thread {
            standby = try? PostgresStore(uri: uri, standby: { first in
                if first { standbyReady.signal() }
                return true
            })
            standbyUp.signal()
        }.start()
        standbyReady.wait()
        // The server ends the leader's session (as a restart or an administrator would), with nothing pending.
        try server.psql("SELECT pg_terminate_backend(\(leader.sessionProcessID))", database: databaseName)
        lost.wait()
        XCTAssertNotNil(leader.lostConnection)
        XCTAssertThrowsError(try leader.saveDepartment(Department(id: "after", name: "After"),
                                                       now: Instant(millis: 2)))
        standbyUp.wait()
        let next = try XCTUnwrap(standby, "the standby became the leader")
        XCTAssertEqual(try next.departments().map(\.id), ["before"])
        next.close()
    }

    func testACommitPendingWhenTheConnectionDiesFails() throws {
        let leader = try PostgresStore(uri: uri)
        // Hold the turn's commit back behind a lock another session holds, then kill the leader's session.
        try server.psql("SELECT 1", database: databaseName)
        try leader.saveDepartment(Department(id: "held", name: "Held"), now: Instant(millis: 1))
        try leader.commit()
        try leader.waitForCommits()
        let blocker = try PostgresConnection(conninfo: uri)
        try blocker.execute("BEGIN; LOCK TABLE departments IN EXCLUSIVE MODE")
        try leader.saveDepartment(Department(id: "pending", name: "Pending"), now: Instant(millis: 2))
        try leader.commit()
        let ticket = try XCTUnwrap(leader.lastCommit)
        XCTAssertNil(ticket.settled, "waiting for the lock")
        try server.psql("SELECT pg_terminate_backend(\(leader.sessionProcessID))", database: databaseName)
        XCTAssertEqual(ticket.wait()?.isConnectionLost, true)
        XCTAssertNotEqual(ticket.sync(), 0)
        try blocker.execute("ROLLBACK")
        blocker.close()
        let next = try PostgresStore(uri: uri)
        XCTAssertEqual(try next.departments().map(\.id), ["held"], "the unacknowledged turn is not there")
        next.close()
    }
}

/// The start-up reads end their implicit transaction: a fresh leader leaves no session "idle in transaction"
/// holding its tables' locks, so an operator's DDL does not wait for the leader's first commit.
final class PostgresIdleTransactionTests: XCTestCase {
    func testStartUpReadsLeaveNoTransactionOpen() throws {
        let server = try XCTUnwrap(TestPostgres.shared, "PostgreSQL is not installed (make deps installs it)")
        let uri = try server.freshDatabase()
        let database = String(uri.dropFirst("postgresql:///".count).prefix { $0 != "?" })
        let store = try PostgresStore(uri: uri)
        defer { store.close() }
        // What a daemon reads as it starts, before anything is written.
        _ = try store.departments()
        _ = try store.openConversations()
        _ = try store.settings()
        try store.readKnownKeys(externalId: { _ in }, phone: { _ in })
        let open = try server.psql("""
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name LIKE 'atended%'
                AND state LIKE 'idle in transaction%'
            """, database: database).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(open, "0", "a session of the leader sits in an open transaction")
        // And a table the leader read can be altered at once.
        try server.psql("SET lock_timeout = '2s'; ALTER TABLE departments ADD COLUMN probe INTEGER",
                        database: database)
    }
}
