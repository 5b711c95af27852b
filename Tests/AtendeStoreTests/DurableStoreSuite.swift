// DurableStoreSuite: one set of store tests that both stores must pass, through the DurableStore interface the
// daemon uses: SQLite on a real file in a temp folder, PostgreSQL on a fresh database of a real server
// (TestPostgres). Each check commits like a turn does and waits for the turn's durability barrier, reopens
// the store where recovery matters, and expects the same answers from both.

import Foundation
import XCTest
import AtendeCore
import AtendeTestSupport
@testable import AtendeStore

/// A way to open one store again and again on the same data.
struct StoreOpener {
    let open: () throws -> any DurableStore
    let close: (any DurableStore) -> Void
}

/// The checks, each given an opener.
enum DurableStoreSuite {
    static let t0 = Instant(millis: 1_795_700_000_000)

    /// Commits the turn and waits until it is durable.
    static func turn(_ store: any DurableStore, file: StaticString = #filePath, line: UInt = #line) throws {
        try store.commit()
        if let barrier = store.durabilityBarrier { XCTAssertEqual(barrier.sync(), 0, file: file, line: line) }
    }

    /// Commits a turn that must not be kept: its write or its commit fails (SQLite says so at once, PostgreSQL
    /// when the commit's result comes back).
    static func failingTurn(_ store: any DurableStore, _ body: () throws -> Void, file: StaticString = #filePath,
                            line: UInt = #line) {
        do {
            try body()
            try store.commit()
            if let barrier = store.durabilityBarrier {
                XCTAssertNotEqual(barrier.sync(), 0, "the turn's commit failed", file: file, line: line)
            } else {
                XCTFail("the turn should have failed", file: file, line: line)
            }
        } catch {
            store.rollback()
        }
    }

    /// Keys written by older versions (a login's lowercase, not its NFC) are brought to today's `Login.key` when
    /// the store opens, so an account stored decomposed is found by the login typed today; two accounts whose new
    /// keys collide keep the old ones and the store still opens. `sql` runs a statement beside the store.
    static func olderLoginKeysAreRekeyed(_ opener: StoreOpener, sql: (String) throws -> Void) throws {
        var store = try opener.open()
        let decomposed = "Jose\u{0301}"
        let jose = try store.saveAttendant(attendant(decomposed))
        let first = try store.saveAttendant(attendant("ana\u{0301}"))
        let second = try store.saveAttendant(attendant("bia"))
        try turn(store)
        opener.close(store)
        try sql("UPDATE attendants SET login_key = 'jose\u{0301}' WHERE id = \(jose)")
        // Two look-alikes under older keys: "aná" composed as one of them, decomposed as the other.
        try sql("UPDATE attendants SET login = 'an\u{00E1}', login_key = 'an\u{00E1}x' WHERE id = \(second)")
        try sql("UPDATE attendants SET login_key = 'ana\u{0301}' WHERE id = \(first)")
        store = try opener.open()
        XCTAssertEqual(try store.attendant(loginKey: Login.key("jos\u{00E9}"))?.id, jose, "found as typed today")
        XCTAssertEqual(try store.attendant(loginKey: Login.key(decomposed))?.id, jose)
        let holder = try store.attendant(loginKey: Login.key("an\u{00E1}"))?.id
        XCTAssertTrue(holder == first || holder == second, "one of the look-alikes holds the new key")
        let other = holder == first ? second : first
        XCTAssertEqual(store.loginKeyCollisions.map(\.id), [other], "the one left on its old key is reported")
        XCTAssertEqual(store.loginKeyCollisions.first?.kind, "attendant")
        opener.close(store)
        store = try opener.open()
        XCTAssertEqual(store.loginKeyCollisions.map(\.id), [other], "reported at every start until renamed")
        XCTAssertNotNil(try store.attendant(first))
        XCTAssertNotNil(try store.attendant(second))
        opener.close(store)
    }

    static func attendant(_ login: String, departments: [String] = []) -> AttendantRecord {
        AttendantRecord(name: "Ana Souza", login: login, passwordHash: "$y$j9T$salt$hash", departments: departments,
                        hours: .weekly(timeZone: "America/Sao_Paulo",
                                       days: [[DayInterval(start: 28800, end: 43200)], [], [], [], [], [], []]),
                        maxChats: 5, createdAt: t0)
    }

    static func conversation(_ id: ConversationID, _ state: ConversationState = .queued, seq: Int64? = nil)
        -> Conversation {
        Conversation(id: id, externalId: "ext-\(id)", contactPhone: "+5511987654321", contactName: "Zé",
                     department: "sales", state: state,
                     attendantId: state == .assigned || state == .closed ? 1 : nil,
                     openedAt: t0 + id, queuedAt: t0 + id + 1, queueSeq: seq ?? id)
    }

    // MARK: - The checks

    /// The service level counts a chat in the department whose queue it first joined: a transfer after it was
    /// answered, or an overflow while it waited, does not move it; a potential counts where it first queued.
    static func serviceLevelsCountTheFirstQueue(_ opener: StoreOpener) throws {
        let store = try opener.open()
        defer { opener.close(store) }
        var answered = conversation(1)  // into sales' queue at t0 + 2
        try store.saveConversation(answered, new: true, explained: nil)
        answered.state = .assigned
        answered.attendantId = 1
        answered.assignedAt = t0 + 30_002
        try store.saveConversation(answered, new: false, explained: nil)
        answered.department = "billing"  // transferred to billing's queue, answered and closed there
        answered.state = .queued
        answered.attendantId = nil
        answered.queuedAt = t0 + 40_000
        answered.queueSeq = 10
        try store.saveConversation(answered, new: false, explained: nil)
        answered.state = .assigned
        answered.attendantId = 2
        answered.assignedAt = t0 + 200_000
        try store.saveConversation(answered, new: false, explained: nil)
        answered.state = .closed
        answered.closedAt = t0 + 250_000
        try store.saveClosing(answered)
        var potential = Conversation(id: 2, externalId: "ext-2", contactPhone: "+5511987654322", openedAt: t0 + 2)
        try store.saveConversation(potential, new: true, explained: nil)
        try turn(store)
        potential.department = "support"  // chose support, overflowed to billing, given up there
        potential.state = .queued
        potential.queuedAt = t0 + 10_000
        potential.queueSeq = 11
        try store.saveConversation(potential, new: false, explained: nil)
        potential.department = "billing"
        potential.overflowedFrom = "support"
        potential.overflowMoves = 1
        potential.queuedAt = t0 + 70_000
        potential.queueSeq = 12
        try store.saveConversation(potential, new: false, explained: nil)
        potential.state = .closed
        potential.closedAt = t0 + 90_000
        try store.saveClosing(potential)
        try turn(store)
        let levels = try store.serviceLevels(since: t0, targets: ["sales": 60, "support": 60, "billing": 60])
        XCTAssertEqual(levels.departments.map(\.department), ["sales", "support"], "billing was never first")
        let sales = try XCTUnwrap(levels.departments.first)
        XCTAssertEqual([sales.served, sales.abandoned, sales.answeredInTarget], [1, 0, 1])
        XCTAssertEqual(sales.averageAnswerSeconds, 30, "first entry to first assignment")
        let support = try XCTUnwrap(levels.departments.last)
        XCTAssertEqual([support.served, support.abandoned], [0, 1])
    }

    static func settingsAndDepartments(_ opener: StoreOpener) throws {
        var store = try opener.open()
        XCTAssertEqual(try store.settings(), AccountSettings(), "defaults before anything is saved")
        var settings = AccountSettings()
        settings.restrictAccessToHours = false
        settings.attendantsCanRemovePotentials = true
        try store.saveSettings(settings)
        try store.saveDepartment(Department(id: "sales", name: "Vendas", strategy: .roundRobin), now: t0)
        try store.saveDepartment(Department(id: "Zeta", name: "Z"), now: t0)
        try store.saveDepartment(Department(id: "after", name: "A"), now: t0)
        try turn(store)
        try store.saveDepartment(Department(id: "sales", name: "Sales", strategy: .leastBusy), now: t0 + 1)
        try store.deleteDepartment("after")
        try turn(store)
        opener.close(store)
        store = try opener.open()
        XCTAssertEqual(try store.settings(), settings)
        XCTAssertEqual(try store.departments(), [Department(id: "Zeta", name: "Z"),
                                                 Department(id: "sales", name: "Sales", strategy: .leastBusy)],
                       "by id, in byte order")
        opener.close(store)
    }

    static func attendants(_ opener: StoreOpener) throws {
        var store = try opener.open()
        try store.saveDepartment(Department(id: "sales", name: "Sales"), now: t0)
        try store.saveDepartment(Department(id: "support", name: "Support"), now: t0)
        let first = try store.saveAttendant(attendant("ana", departments: ["support", "sales"]))
        let second = try store.saveAttendant(attendant("Bia"))
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(try store.attendant(first)?.departments, ["support", "sales"], "read in the open turn")
        try turn(store)
        var record = try XCTUnwrap(try store.attendant(first))
        record.phone = "+5511912345678"
        record.email = "ana@example.com"
        record.active = false
        record.departments = ["sales"]
        try store.saveAttendant(record)
        try store.touchLastSeen(second, at: t0 + 500)
        let photo: [UInt8] = [0, 1, 2, 0xff, 0x89, 0x50, 0x4e, 0x47, 0]
        try store.saveImage(first, contentType: "image/png", bytes: photo)
        try store.addRating(first, score: 4)
        try store.addRating(first, score: 5)
        try store.setAway(second, true)
        try store.setAway(first, true)
        try store.setAway(first, false)
        try store.setMissedOffers(first, 1)
        try store.setMissedOffers(second, 2)
        try store.setMissedOffers(second, 0)
        try turn(store)
        opener.close(store)
        store = try opener.open()
        XCTAssertEqual(try store.awayAttendants(), [second], "the last choice of each, across a reopen")
        XCTAssertEqual(try store.missedOffers(), [first: 1], "each run as last written; an ended one is not listed")
        let ana = try XCTUnwrap(try store.attendant(first))
        XCTAssertEqual(ana.phone, "+5511912345678")
        XCTAssertEqual(ana.email, "ana@example.com")
        XCTAssertFalse(ana.active)
        XCTAssertEqual(ana.departments, ["sales"])
        XCTAssertEqual(ana.hours, attendant("x").hours)
        XCTAssertEqual(ana.ratingSum, 9)
        XCTAssertEqual(ana.ratingCount, 2)
        XCTAssertTrue(ana.hasImage)
        XCTAssertEqual(try store.image(first)?.contentType, "image/png")
        XCTAssertEqual(try store.image(first)?.bytes, photo)
        XCTAssertNil(try store.image(second))
        XCTAssertEqual(try store.attendant(loginKey: Login.key("BIA"))?.id, second)
        XCTAssertEqual(try store.attendant(second)?.lastSeenAt, t0 + 500)
        XCTAssertEqual(try store.attendants().map(\.id), [first, second])
        let third = try store.saveAttendant(attendant("carla"))
        XCTAssertGreaterThan(third, second, "ids keep growing after a reopen")
        try turn(store)
        // A second attendant with the same login key breaks the unique key: the whole turn is refused.
        failingTurn(store) {
            try store.saveDepartment(Department(id: "lost", name: "Lost"), now: t0)
            try store.saveAttendant(attendant("ANA"))
        }
        XCTAssertFalse(try store.departments().contains { $0.id == "lost" }, "nothing of the failed turn is kept")
        opener.close(store)
    }

    static func conversations(_ opener: StoreOpener) throws {
        var store = try opener.open()
        for id: Int64 in 1...4 {
            try store.saveConversation(conversation(id, seq: 10 - id), new: true, explained: nil)
        }
        XCTAssertEqual(try store.conversation(2)?.externalId, "ext-2", "read in the open turn")
        XCTAssertEqual(try store.conversation(externalId: "ext-3")?.id, 3)
        try turn(store)
        var assigned = conversation(1, .assigned)
        assigned.assignedAt = t0 + 50
        assigned.queueSeq = 9
        try store.saveConversation(assigned, new: false, explained: "why: least busy")
        try store.setLastAttendant(phone: assigned.contactPhone, attendant: 1)
        var closed = conversation(2, .closed, seq: 8)
        closed.closedAt = t0 + 60
        try store.saveClosing(closed)
        var removed = conversation(4, .removed, seq: 6)
        removed.closedAt = t0 + 61
        try store.saveClosing(removed)
        try turn(store)
        XCTAssertTrue(try store.rate(2, score: 5))
        XCTAssertFalse(try store.rate(2, score: 3), "rated once only")
        XCTAssertFalse(try store.rate(3, score: 3), "only closed conversations")
        try store.saveExplanation(conversation: 1, body: "then: sticky")
        try turn(store)
        opener.close(store)
        store = try opener.open()
        XCTAssertEqual(try store.openConversations().map(\.id), [3, 1], "queue order")
        XCTAssertEqual(try store.openConversations().last, assigned)
        XCTAssertEqual(try store.conversation(2)?.state, .closed)
        XCTAssertEqual(try store.conversation(2)?.closedAt, t0 + 60)
        XCTAssertEqual(try store.conversation(2)?.rating, 5)
        XCTAssertEqual(try store.conversation(2)?.contactName, "Zé")
        XCTAssertEqual(try store.conversation(externalId: "ext-4")?.state, .removed)
        XCTAssertNil(try store.conversation(externalId: "ext-9"))
        XCTAssertNil(try store.conversation(9))
        XCTAssertEqual(try store.maxConversationID(), 4)
        XCTAssertEqual(try store.maxQueueSeq(), 9)
        XCTAssertEqual(try store.lastAttendant(phone: "+5511987654321"), 1)
        XCTAssertNil(try store.lastAttendant(phone: "+5511900000000"))
        // conversation.open's lookup: the stored chat when there is one, else the contact's route (or none).
        let known = try store.lookUpForOpen(externalId: "ext-4", phone: "+5511987654321")
        XCTAssertEqual(known.conversation, try store.conversation(externalId: "ext-4"))
        XCTAssertNil(known.lastAttendant)
        let routed = try store.lookUpForOpen(externalId: "ext-9", phone: "+5511987654321")
        XCTAssertNil(routed.conversation)
        XCTAssertEqual(routed.lastAttendant, 1)
        let unknown = try store.lookUpForOpen(externalId: "ext-9", phone: "+5511900000000")
        XCTAssertNil(unknown.conversation)
        XCTAssertNil(unknown.lastAttendant)
        XCTAssertEqual(try store.explanations(conversation: 1), ["why: least busy", "then: sticky"])
        XCTAssertEqual(try store.explanations(conversation: 3), [])
        failingTurn(store) { try store.saveExplanation(conversation: 99, body: "no row") }
        opener.close(store)
    }

    static func messagesAndContacts(_ opener: StoreOpener) throws {
        var store = try opener.open()
        try store.saveConversation(conversation(1), new: true, explained: nil)
        var ids: [Int64] = []
        for index in 0..<5 {
            let message = try store.appendMessage(Message(
                conversationId: 1, from: index % 2 == 0 ? .contact : .attendant, text: "mensagem \(index) ção",
                at: t0 + Int64(index)))
            ids.append(message.id)
        }
        XCTAssertEqual(ids, ids.sorted())
        XCTAssertEqual(Set(ids).count, 5)
        try store.saveContact(ContactRecord(phone: "+5511911111111", name: "beatriz", extra: "{\"a\":1}",
                                            updatedAt: t0))
        try store.saveContact(ContactRecord(phone: "+5511922222222", name: "Ana", extra: nil, updatedAt: t0))
        try store.saveContact(ContactRecord(phone: "+5511933333333", name: "Bruno", extra: nil, updatedAt: t0))
        try turn(store)
        try store.saveContact(ContactRecord(phone: "+5511933333333", name: "Bruno B", extra: nil, updatedAt: t0 + 1))
        try turn(store)
        opener.close(store)
        store = try opener.open()
        let latest = try store.messages(1, limit: 3)
        XCTAssertEqual(latest.map(\.id), Array(ids.suffix(3)), "the latest ones, oldest first")
        XCTAssertEqual(latest.first?.text, "mensagem 2 ção")
        XCTAssertEqual(latest[1].from, .attendant)
        XCTAssertEqual(latest.first?.at, t0 + 2)
        let next = try store.appendMessage(Message(conversationId: 1, from: .contact, text: "after", at: t0 + 9))
        XCTAssertGreaterThan(next.id, ids.last!, "message ids keep growing after a reopen")
        try turn(store)
        XCTAssertEqual(try store.contacts(query: nil, limit: 10).map(\.name), ["Ana", "Bruno B", "beatriz"],
                       "by name in byte order")
        XCTAssertEqual(try store.contacts(query: "B", limit: 10).map(\.name), ["Bruno B", "beatriz"],
                       "case-insensitive")
        XCTAssertEqual(try store.contacts(query: "2222", limit: 10).map(\.name), ["Ana"])
        XCTAssertEqual(try store.contacts(query: nil, limit: 1).count, 1)
        XCTAssertEqual(try store.contacts(query: "beatriz", limit: 1).first?.extra, "{\"a\":1}")
        // Typed without accents, or in capitals, a name is found all the same; the same in both stores.
        try store.saveContact(ContactRecord(phone: "+5511944444444", name: "Lúcia Conceição", extra: nil,
                                            updatedAt: t0))
        try store.saveContact(ContactRecord(phone: "+5511955555555", name: "JOÃO Ávila", extra: nil, updatedAt: t0))
        // Written decomposed (a letter, then its combining accent), as some phones send names.
        try store.saveContact(ContactRecord(phone: "+5511966666666", name: "Ine\u{0302}s Pa\u{0303}o", extra: nil,
                                            updatedAt: t0))
        // A NUL inside a name hides nothing after it.
        try store.saveContact(ContactRecord(phone: "+5511977777777", name: "Zoë \u{0} nul", extra: nil, updatedAt: t0))
        try turn(store)
        for (query, expected) in [("lucia", ["Lúcia Conceição"]), ("LÚCIA", ["Lúcia Conceição"]),
                                  ("conceicao", ["Lúcia Conceição"]), ("joão", ["JOÃO Ávila"]),
                                  ("avila", ["JOÃO Ávila"]), ("ção", ["Lúcia Conceição"]),
                                  ("ines pao", ["Ine\u{0302}s Pa\u{0303}o"]), ("Inês", ["Ine\u{0302}s Pa\u{0303}o"]),
                                  ("nul", ["Zoë \u{0} nul"]), ("zoe \u{0}", ["Zoë \u{0} nul"])] {
            XCTAssertEqual(try store.contacts(query: query, limit: 10).map(\.name), expected, query)
        }
        opener.close(store)
    }

    static func rollbackAbandonsTheTurn(_ opener: StoreOpener) throws {
        var store = try opener.open()
        try store.saveConversation(conversation(1), new: true, explained: nil)
        try store.setLastAttendant(phone: "+5511987654321", attendant: 3)
        try turn(store)
        var moved = conversation(1, .assigned)
        moved.queueSeq = 1
        try store.saveConversation(moved, new: false, explained: nil)
        try store.saveConversation(conversation(2), new: true, explained: nil)
        try store.setLastAttendant(phone: "+5511987654321", attendant: 4)
        try store.saveDepartment(Department(id: "gone", name: "Gone"), now: t0)
        XCTAssertTrue(store.inTransaction)
        XCTAssertEqual(try store.conversation(1)?.state, .assigned, "the open turn reads its own writes")
        store.rollback()
        XCTAssertFalse(store.inTransaction)
        XCTAssertEqual(try store.conversation(1)?.state, .queued, "the abandoned write is gone")
        XCTAssertNil(try store.conversation(2))
        XCTAssertNil(try store.conversation(externalId: "ext-2"))
        XCTAssertEqual(try store.lastAttendant(phone: "+5511987654321"), 3)
        XCTAssertEqual(try store.departments(), [])
        try store.saveDepartment(Department(id: "kept", name: "Kept"), now: t0)
        try turn(store)
        opener.close(store)
        store = try opener.open()
        XCTAssertEqual(try store.departments().map(\.id), ["kept"])
        XCTAssertEqual(try store.openConversations().map(\.id), [1])
        XCTAssertEqual(try store.openConversations().first?.state, .queued)
        opener.close(store)
    }

    /// Texts with NUL (and with U+10FFFF, the PostgreSQL store's escape) come back whole and stay distinct.
    static func textsWithNulRoundTrip(_ opener: StoreOpener) throws {
        var store = try opener.open()
        var first = conversation(1)
        first.externalId = "ext\u{0}a"
        first.contactName = "Zé\u{0}Silva"
        var second = conversation(2)
        second.externalId = "ext\u{0}b\u{10FFFF}"
        try store.saveConversation(first, new: true, explained: nil)
        try store.saveConversation(second, new: true, explained: nil)
        _ = try store.appendMessage(Message(conversationId: 1, from: .contact, text: "a\u{0}b\u{10FFFF}0c", at: t0))
        try turn(store)
        opener.close(store)
        store = try opener.open()
        XCTAssertEqual(try store.conversation(externalId: "ext\u{0}a")?.id, 1)
        XCTAssertEqual(try store.conversation(externalId: "ext\u{0}b\u{10FFFF}")?.id, 2)
        XCTAssertNil(try store.conversation(externalId: "ext"))
        XCTAssertEqual(try store.conversation(1)?.contactName, "Zé\u{0}Silva")
        XCTAssertEqual(try store.openConversations().map(\.externalId), ["ext\u{0}a", "ext\u{0}b\u{10FFFF}"])
        XCTAssertEqual(try store.messages(1, limit: 10).map(\.text), ["a\u{0}b\u{10FFFF}0c"])
        opener.close(store)
    }

    /// Many turns handed over without waiting, then a reopen: every one of them is there, in order.
    static func manyTurnsInOrder(_ opener: StoreOpener) throws {
        var store = try opener.open()
        var last = conversation(1)
        for index in 1...200 {
            var c = conversation(Int64(index))
            c.queueSeq = Int64(index)
            try store.saveConversation(c, new: true, explained: nil)
            last.queueSeq = Int64(1000 + index)
            last.contactName = "turn \(index)"
            try store.saveConversation(last, new: false, explained: "\(index)")
            _ = try store.appendMessage(Message(conversationId: 1, from: .contact, text: "\(index)", at: t0))
            try store.commit()
        }
        if let barrier = store.durabilityBarrier { XCTAssertEqual(barrier.sync(), 0) }
        opener.close(store)
        store = try opener.open()
        XCTAssertEqual(try store.openConversations().map(\.id), Array(2...200) + [1])
        XCTAssertEqual(try store.conversation(1)?.contactName, "turn 200")
        XCTAssertEqual(try store.explanations(conversation: 1), (1...200).map { "\($0)" })
        XCTAssertEqual(try store.messages(1, limit: 1000).map(\.text), (1...200).map { "\($0)" })
        opener.close(store)
    }
}

/// The suite on SQLite files.
final class SQLiteDurableStoreTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("atende-suite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    var opener: StoreOpener {
        let path = folder.appendingPathComponent("atende.sqlite").path
        return StoreOpener(open: { try Store(path: path, durability: .full, defersSync: true) },
                           close: { ($0 as? Store)?.database.close() })
    }

    func testSettingsAndDepartments() throws { try DurableStoreSuite.settingsAndDepartments(opener) }
    func testAttendants() throws { try DurableStoreSuite.attendants(opener) }
    func testConversations() throws { try DurableStoreSuite.conversations(opener) }
    func testMessagesAndContacts() throws { try DurableStoreSuite.messagesAndContacts(opener) }
    func testRollbackAbandonsTheTurn() throws { try DurableStoreSuite.rollbackAbandonsTheTurn(opener) }
    func testManyTurnsInOrder() throws { try DurableStoreSuite.manyTurnsInOrder(opener) }
    func testTextsWithNulRoundTrip() throws { try DurableStoreSuite.textsWithNulRoundTrip(opener) }
    func testReadOpenConversationsOneByOne() throws { try DurableStoreSuite.readOpenConversationsOneByOne(opener) }
    func testServiceLevelsCountTheFirstQueue() throws { try DurableStoreSuite.serviceLevelsCountTheFirstQueue(opener) }
    func testOlderLoginKeysAreRekeyed() throws {
        let path = folder.appendingPathComponent("atende.sqlite").path
        try DurableStoreSuite.olderLoginKeysAreRekeyed(opener) { sql in
            let database = try Database(path: path)
            defer { database.close() }
            try database.run(sql, [])
        }
    }
}

/// The suite on PostgreSQL: a fresh database per test.
final class PostgresDurableStoreTests: XCTestCase {
    var uri = ""

    override func setUpWithError() throws {
        let server = try XCTUnwrap(TestPostgres.shared, "PostgreSQL is not installed (make deps installs it)")
        uri = try server.freshDatabase()
    }

    var opener: StoreOpener {
        let uri = self.uri
        return StoreOpener(open: { try PostgresStore(uri: uri) }, close: { ($0 as? PostgresStore)?.close() })
    }

    func testSettingsAndDepartments() throws { try DurableStoreSuite.settingsAndDepartments(opener) }
    func testAttendants() throws { try DurableStoreSuite.attendants(opener) }
    func testConversations() throws { try DurableStoreSuite.conversations(opener) }
    func testMessagesAndContacts() throws { try DurableStoreSuite.messagesAndContacts(opener) }
    func testRollbackAbandonsTheTurn() throws { try DurableStoreSuite.rollbackAbandonsTheTurn(opener) }
    func testManyTurnsInOrder() throws { try DurableStoreSuite.manyTurnsInOrder(opener) }
    func testTextsWithNulRoundTrip() throws { try DurableStoreSuite.textsWithNulRoundTrip(opener) }
    func testReadOpenConversationsOneByOne() throws { try DurableStoreSuite.readOpenConversationsOneByOne(opener) }
    func testServiceLevelsCountTheFirstQueue() throws { try DurableStoreSuite.serviceLevelsCountTheFirstQueue(opener) }
    func testOlderLoginKeysAreRekeyed() throws {
        let uri = self.uri
        try DurableStoreSuite.olderLoginKeysAreRekeyed(opener) { sql in
            try PostgresConnection(conninfo: uri).execute(sql)
        }
    }
}
