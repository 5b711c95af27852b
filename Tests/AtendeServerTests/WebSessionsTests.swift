// Unit tests for WebSessions with time as a value: a bound session resumes and each resume moves its end on; it
// expires 12 hours after its last use; ending by id or by account; the cap drops the session nearest its end;
// fresh ids are 256-bit hex and distinct; the cookie's attributes.

@testable import AtendeServer
import AtendeCore
import XCTest

final class WebSessionsTests: XCTestCase {
    private let t0 = Instant(millis: 1_800_000_000_000)
    private let hour: Int64 = 3_600_000

    func testResumeSlidesAndExpiry() {
        var sessions = WebSessions()
        let id = WebSessions.newID()
        sessions.bind(id, to: .attendant(3), passwordHash: "h", now: t0)
        XCTAssertEqual(sessions.resume(id, now: t0 + 11 * hour)?.account, .attendant(3))
        // Used at 11 h: alive until 23 h.
        XCTAssertNotNil(sessions.resume(id, now: t0 + 22 * hour))
        XCTAssertNil(sessions.resume(id, now: t0 + 22 * hour + 12 * hour), "12 hours unused")
        XCTAssertEqual(sessions.count, 0, "an expired session is forgotten")
        XCTAssertNil(sessions.resume(WebSessions.newID(), now: t0))
    }

    func testEndingAndPurging() {
        var sessions = WebSessions()
        let a = WebSessions.newID(), b = WebSessions.newID(), c = WebSessions.newID()
        sessions.bind(a, to: .admin(1), passwordHash: "x", now: t0)
        sessions.bind(b, to: .admin(1), passwordHash: "x", now: t0)
        sessions.bind(c, to: .attendant(1), passwordHash: "y", now: t0 + hour)
        sessions.end(account: .admin(1))
        XCTAssertNil(sessions.session(a))
        XCTAssertNil(sessions.session(b))
        XCTAssertEqual(sessions.session(c)?.account, .attendant(1), "an attendant with the same number is another")
        sessions.end(c)
        XCTAssertEqual(sessions.count, 0)
        sessions.bind(a, to: .admin(2), passwordHash: "x", now: t0)
        sessions.bind(b, to: .admin(2), passwordHash: "x", now: t0 + 2 * hour)
        sessions.purge(now: t0 + 13 * hour)
        XCTAssertNil(sessions.session(a))
        XCTAssertNotNil(sessions.session(b))
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
