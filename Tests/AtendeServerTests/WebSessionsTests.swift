// Unit tests for WebSessions with time as a value, over a real SQLite store in a temporary folder: a bound session
// resumes and each resume moves its end on; it expires 12 hours after its last use; ending by id or by account;
// the store keeps only a hash of each id; fresh ids are 256-bit hex and distinct; the cookie's attributes.

@testable import AtendeServer
import AtendeCore
import AtendeProtocol
import AtendeStore
import Foundation
import XCTest

final class WebSessionsTests: XCTestCase {
    private let t0 = Instant(millis: 1_800_000_000_000)
    private let hour: Int64 = 3_600_000
    private var folder = ""
    private var store: Store!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "atende-websessions-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        store = try Store(path: folder + "/atende.db")
    }

    override func tearDown() {
        store = nil
        try? FileManager.default.removeItem(atPath: folder)
    }

    func testResumeSlidesAndExpiry() throws {
        let sessions = WebSessions()
        let id = WebSessions.newID()
        try sessions.bind(id, to: .attendant(3), passwordHash: "h", now: t0, in: store)
        XCTAssertEqual(try sessions.resume(id, now: t0 + 11 * hour, in: store)?.account, .attendant(3))
        // Used at 11 h: alive until 23 h.
        XCTAssertNotNil(try sessions.resume(id, now: t0 + 22 * hour, in: store))
        XCTAssertNil(try sessions.resume(id, now: t0 + 22 * hour + 12 * hour, in: store), "12 hours unused")
        XCTAssertEqual(try sessions.count(in: store), 0, "an expired session is forgotten")
        XCTAssertNil(try sessions.resume(WebSessions.newID(), now: t0, in: store))
    }

    func testEndingAndPurging() throws {
        let sessions = WebSessions()
        let a = WebSessions.newID(), b = WebSessions.newID(), c = WebSessions.newID()
        try sessions.bind(a, to: .admin(1), passwordHash: "x", now: t0, in: store)
        try sessions.bind(b, to: .admin(1), passwordHash: "x", now: t0, in: store)
        try sessions.bind(c, to: .attendant(1), passwordHash: "y", now: t0 + hour, in: store)
        try sessions.end(account: .admin(1), in: store)
        XCTAssertNil(try sessions.session(a, in: store))
        XCTAssertNil(try sessions.session(b, in: store))
        XCTAssertEqual(try sessions.session(c, in: store)?.account, .attendant(1),
                       "an attendant with the same number is another")
        try sessions.end(c, in: store)
        XCTAssertEqual(try sessions.count(in: store), 0)
        try sessions.bind(a, to: .admin(2), passwordHash: "x", now: t0, in: store)
        try sessions.bind(b, to: .admin(2), passwordHash: "x", now: t0 + 2 * hour, in: store)
        try sessions.purge(now: t0 + 13 * hour, in: store)
        XCTAssertNil(try sessions.session(a, in: store))
        XCTAssertNotNil(try sessions.session(b, in: store))
        // With nothing expired, the periodic purge writes nothing (no commit, no fsync, for an idle daemon).
        try store.commit()
        try sessions.purge(now: t0 + 13 * hour, in: store)
        XCTAssertFalse(store.inTransaction)
        try sessions.purge(now: t0 + 15 * hour, in: store)
        XCTAssertTrue(store.inTransaction)
        XCTAssertNil(try sessions.session(b, in: store))
    }

    func testTheStoreKeepsAHashOfTheIdAndOfThePassword() throws {
        let sessions = WebSessions()
        let id = WebSessions.newID()
        try sessions.bind(id, to: .attendant(4), passwordHash: "$y$j9T$salt$hash", now: t0, in: store)
        XCTAssertNil(try store.webSession(idHash: id), "the id itself is no key")
        let record = try XCTUnwrap(store.webSession(idHash: SHA256.hex(id)))
        XCTAssertEqual(record, WebSessionRecord(idHash: SHA256.hex(id), attendantID: 4,
                                                passwordDigest: SHA256.hex("$y$j9T$salt$hash"),
                                                expiresAt: t0 + 12 * hour))
        try store.commit()
        let file = try Data(contentsOf: URL(fileURLWithPath: folder + "/atende.db"))
            + ((try? Data(contentsOf: URL(fileURLWithPath: folder + "/atende.db-wal"))) ?? Data())
        XCTAssertNil(file.range(of: Data(id.utf8)), "the id is nowhere in the database files")
        let session = try XCTUnwrap(sessions.session(id, in: store))
        XCTAssertTrue(session.matches(passwordHash: "$y$j9T$salt$hash"))
        XCTAssertFalse(session.matches(passwordHash: "$y$j9T$salt$other"))
    }

    func testIDsAndCookie() {
        let ids = (0..<1000).map { _ in WebSessions.newID() }
        XCTAssertEqual(Set(ids).count, 1000)
        XCTAssertTrue(ids.allSatisfy(WebSessions.isWellFormed))
        XCTAssertFalse(WebSessions.isWellFormed(String(repeating: "A", count: 64)))
        XCTAssertFalse(WebSessions.isWellFormed(String(repeating: "a", count: 63)))
        XCTAssertEqual(WebSessions.cookie("abc", secure: false),
                       "atende_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200")
        XCTAssertTrue(WebSessions.cookie("abc", secure: true).hasSuffix("; Secure"))
    }
}
