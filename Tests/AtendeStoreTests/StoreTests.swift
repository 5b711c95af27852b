// Store: real SQLite files in a temporary folder. Migrations by user_version (fresh, reopened, too new), WAL,
// foreign keys and the case-insensitive login key enforced by SQLite itself, round trips of every column the
// router and the server write, the orders the contract promises (queue order, transcripts), the once-only rating
// and settings. The turn's transaction is in StoreTransactionTests; the shared fixture in StoreTestCase.

import Foundation
import XCTest
import AtendeCore
@testable import AtendeStore

final class StoreTests: StoreTestCase {
    // MARK: - Migrations and pragmas

    func testAFreshDatabaseIsMigratedToTheLatestVersion() throws {
        let store = try openStore()
        XCTAssertEqual(try store.database.scalar("PRAGMA user_version"), Schema.latestVersion)
        XCTAssertGreaterThanOrEqual(Schema.latestVersion, 1)
        let tables = try names("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", store)
        for table in ["attendant_departments", "attendant_images", "attendants", "contact_routes", "contacts",
                      "conversations", "departments", "messages", "settings"] {
            XCTAssertTrue(tables.contains(table), "missing table \(table) in \(tables)")
        }
        XCTAssertFalse(store.inTransaction, "migrations leave no transaction open")
        assertSound(store)
    }

    func names(_ sql: String, _ store: Store) throws -> [String] {
        let statement = try store.database.cached(sql)
        defer { statement.reset() }
        var result: [String] = []
        while try statement.step() { result.append(statement.text(0)) }
        return result
    }

    func testReopeningKeepsDataAndVersion() throws {
        do {
            let store = try openStore()
            try store.saveDepartment(Department(id: "sales", name: "Sales", strategy: .roundRobin), now: t0)
            try store.commit()
        }
        let store = try openStore()
        XCTAssertEqual(try store.departments(), [Department(id: "sales", name: "Sales", strategy: .roundRobin)])
        XCTAssertEqual(try store.database.scalar("PRAGMA user_version"), Schema.latestVersion)
        assertSound(store)
    }

    func testADatabaseFromANewerVersionIsRefused() throws {
        do {
            let store = try openStore()
            try store.database.execute("PRAGMA user_version = \(Schema.latestVersion + 1)")
        }
        XCTAssertThrowsError(try openStore()) { error in
            XCTAssertTrue("\(error)".contains("newer"), "\(error)")
        }
        let raw = try Database(path: path)
        XCTAssertEqual(try raw.scalar("PRAGMA user_version"), Schema.latestVersion + 1, "left untouched")
    }

    func testJournalIsWriteAheadAndForeignKeysAreOn() throws {
        let store = try openStore()
        XCTAssertEqual(try store.database.text("PRAGMA journal_mode"), "wal")
        XCTAssertEqual(try store.database.scalar("PRAGMA foreign_keys"), 1)
        try store.saveDepartment(Department(id: "sales", name: "Sales"), now: t0)
        try store.commit()
        XCTAssertTrue(FileManager.default.fileExists(atPath: path + "-wal"))
        XCTAssertEqual(try Store(path: path, durability: .full).database.scalar("PRAGMA synchronous"), 2)
        XCTAssertEqual(try store.database.scalar("PRAGMA synchronous"), 1, "normal")
        XCTAssertEqual(try store.database.scalar("PRAGMA page_size"), 4096, "new databases get 4 KiB pages")
        XCTAssertEqual(store.walRestartFrames, 4096, "16 MiB of frames")
    }

    func testAnExistingDatabaseKeepsItsPageSize() throws {
        do {
            let database = try Database(path: path)
            try database.execute("PRAGMA page_size = 1024; CREATE TABLE made_before(x); PRAGMA user_version = 0")
        }
        let store = try openStore()
        XCTAssertEqual(try store.database.scalar("PRAGMA page_size"), 1024)
        XCTAssertEqual(store.walRestartFrames, 16384, "the WAL still starts over after 16 MiB of frames")
        XCTAssertEqual(try store.database.scalar("PRAGMA user_version"), Schema.latestVersion)
        assertSound(store)
    }

    // MARK: - Constraints

    func testAnAttendantCannotServeAMissingDepartment() throws {
        let store = try openStore()
        try store.saveDepartment(Department(id: "sales", name: "Sales"), now: t0)
        try store.commit()
        assertStoreError(ExtendedCode.foreignKey) {
            try store.saveAttendant(attendant("ana@example.com", departments: ["sales", "missing"]))
        }
        store.rollback()
        XCTAssertEqual(try store.attendants(), [])

        let id = try store.saveAttendant(attendant("ana@example.com", departments: ["sales"]))
        try store.commit()
        assertStoreError(ExtendedCode.foreignKey) { try store.deleteDepartment("sales") }
        store.rollback()
        XCTAssertEqual(try store.attendant(id)?.departments, ["sales"])
        assertSound(store)
    }

    func testLoginsAreUniqueIgnoringCase() throws {
        let store = try openStore()
        let id = try store.saveAttendant(attendant("Ana.Souza@Example.com"))
        try store.commit()
        assertStoreError(ExtendedCode.unique) { try store.saveAttendant(self.attendant("ana.souza@EXAMPLE.COM")) }
        store.rollback()
        let found = try store.attendant(loginKey: Login.key("ANA.SOUZA@example.com"))
        XCTAssertEqual(found?.id, id)
        XCTAssertEqual(found?.login, "Ana.Souza@Example.com", "the login keeps the case it was typed in")
        XCTAssertEqual(try store.attendants().count, 1)
    }

    // MARK: - Round trips

    func testAttendantRoundTripsEveryField() throws {
        let store = try openStore()
        for id in ["sales", "support"] { try store.saveDepartment(Department(id: id, name: id), now: t0) }
        let hours = try WeeklyHours.parse(timeZone: "America/New_York", week: [
            (day: "mon", intervals: [["08:00", "12:00"], ["13:00", "18:00:30"]]),
            (day: "sat", intervals: [["22:00", "24:00"]]), (day: "sun", intervals: [["00:00", "02:00"]]),
        ])
        var record = AttendantRecord(
            name: "Ana Maria Souza", login: "Ana@Example.com", passwordHash: "$y$j9T$abc$def", phone: "+5511987654321",
            email: "ana@example.com", active: false, departments: ["support", "sales"], hours: hours, maxChats: 7,
            lastSeenAt: t0 + 5, createdAt: t0)
        record.id = try store.saveAttendant(record)
        try store.saveImage(record.id, contentType: "image/png", bytes: [0x89, 0x50, 0x4E, 0x47, 0])
        try store.addRating(record.id, score: 5)
        try store.addRating(record.id, score: 2)
        try store.commit()
        record.hasImage = true
        record.ratingSum = 7
        record.ratingCount = 2
        XCTAssertEqual(try store.attendant(record.id), record)
        XCTAssertEqual(try store.attendant(record.id)?.departments, ["support", "sales"], "in the order given")
        let image = try store.image(record.id)
        XCTAssertEqual(image?.contentType, "image/png")
        XCTAssertEqual(image?.bytes, [0x89, 0x50, 0x4E, 0x47, 0])

        record.phone = nil
        record.email = nil
        record.hours = .always
        record.departments = ["sales"]
        record.active = true
        try store.saveAttendant(record)
        try store.touchLastSeen(record.id, at: t0 + 99)
        try store.commit()
        record.lastSeenAt = t0 + 99
        XCTAssertEqual(try store.attendant(record.id), record, "an update keeps the rating and the photo")
        XCTAssertEqual(try store.attendants(), [record])
        assertSound(store)
    }

    func testConversationRoundTripsEveryField() throws {
        let store = try openStore()
        var full = Conversation(
            id: 41, externalId: "wa-41", contactPhone: "+5521998765432", contactName: "José da Silva",
            channel: "telegram", department: "sales", state: .closed, attendantId: 7, openedAt: t0,
            queuedAt: t0 + 1000, assignedAt: t0 + 2000, closedAt: t0 + 3000, rating: 4, queueSeq: 99,
            preferredAttendant: 3, avoidAttendant: 5)
        try store.saveConversation(full)
        let bare = Conversation(id: 42, externalId: "wa-42", contactPhone: "+5511987654321", openedAt: t0)
        try store.saveConversation(bare)
        try store.commit()
        XCTAssertEqual(try store.conversation(41), full)
        XCTAssertEqual(try store.conversation(externalId: "wa-41"), full)
        XCTAssertEqual(try store.conversation(42), bare, "nulls stay nulls")
        XCTAssertNil(try store.conversation(43))

        full.contactName = nil
        full.department = "support"
        full.state = .assigned
        full.attendantId = 8
        full.queuedAt = t0 + 10
        full.assignedAt = nil
        full.closedAt = nil
        full.rating = nil
        full.queueSeq = 100
        full.preferredAttendant = nil
        full.avoidAttendant = nil
        try store.saveConversation(full)
        try store.commit()
        XCTAssertEqual(try store.conversation(41), full, "an upsert rewrites every changing column")
        XCTAssertEqual(try store.maxConversationID(), 42)
        XCTAssertEqual(try store.maxQueueSeq(), 100)
        assertSound(store)
    }

    func testSaveClosingWritesStateAndClosingTimeAndSavesAWholeRowWhenThereIsNone() throws {
        let store = try openStore()
        let assigned = Conversation(
            id: 51, externalId: "wa-51", contactPhone: "+5521998765432", contactName: "Ana", channel: "whatsapp",
            department: "sales", state: .assigned, attendantId: 7, openedAt: t0, queuedAt: t0 + 1000,
            assignedAt: t0 + 2000, queueSeq: 12, preferredAttendant: 7)
        try store.saveConversation(assigned, new: true, explained: "why")
        try store.commit()
        var closed = assigned
        closed.state = .closed
        closed.closedAt = t0 + 9000
        try store.saveClosing(closed)
        try store.commit()
        XCTAssertEqual(try store.conversation(51), closed)
        XCTAssertEqual(try store.explanations(conversation: 51), ["why"], "the explanation stays")
        XCTAssertEqual(try store.openConversations().map(\.id), [], "it left the open index")
        XCTAssertEqual(try store.wrappingConversations().map(\.id), [], "no wrap-up, not wrapping")

        // With a wrap-up: the column is written and the chat is found wrapping.
        var wrapping = assigned
        wrapping.id = 53
        wrapping.externalId = "wa-53"
        try store.saveConversation(wrapping, new: true)
        try store.commit()
        wrapping.state = .closed
        wrapping.closedAt = t0 + 9000
        wrapping.wrapUpUntil = t0 + 39000
        try store.saveClosing(wrapping)
        try store.commit()
        XCTAssertEqual(try store.conversation(53), wrapping)
        XCTAssertEqual(try store.wrappingConversations().map(\.id), [53])

        // No row yet (opened and closed before a write of it): the whole row.
        var removed = Conversation(id: 52, externalId: "wa-52", contactPhone: "+5511987654321", openedAt: t0)
        removed.state = .removed
        removed.closedAt = t0 + 500
        try store.saveClosing(removed)
        try store.commit()
        XCTAssertEqual(try store.conversation(52), removed)
        assertSound(store)
    }

    func testExplanationsAreKeptInTheRowOldestFirstAfterThoseOfTheOldTable() throws {
        do {
            // A database of schema version 2, where explanations had a table of their own.
            let store = try openStore()
            try store.saveConversation(Conversation(id: 7, externalId: "wa-7", contactPhone: "+5511987654321",
                                                    openedAt: t0))
            try store.database.execute("""
                DELETE FROM conversations WHERE id = 7;
                ALTER TABLE conversations DROP COLUMN explanations;
                ALTER TABLE departments DROP COLUMN offer_timeout;
                ALTER TABLE departments DROP COLUMN reply_timeout;
                ALTER TABLE departments DROP COLUMN wrap_up;
                ALTER TABLE attendants DROP COLUMN grace_until;
                ALTER TABLE attendants DROP COLUMN away;
                ALTER TABLE attendants DROP COLUMN missed_offers;
                ALTER TABLE conversation_transfers DROP COLUMN by_admin;
                DROP INDEX conversations_first_queued;
                ALTER TABLE conversations DROP COLUMN priority;
                ALTER TABLE conversations DROP COLUMN first_queued_at;
                ALTER TABLE conversations DROP COLUMN first_assigned_at;
                ALTER TABLE conversations DROP COLUMN first_reply_at;
                ALTER TABLE departments DROP COLUMN priority_step;
                ALTER TABLE departments DROP COLUMN service_level;
                ALTER TABLE departments DROP COLUMN overflow_after;
                ALTER TABLE departments DROP COLUMN overflow_to;
                ALTER TABLE departments DROP COLUMN wait_alert;
                DROP TABLE holidays;
                PRAGMA user_version = 2;
                INSERT INTO conversations(id, external_id, phone, channel, state, opened_at, queue_seq, department,
                    queued_at) VALUES (7, 'wa-7', '+5511987654321', 'whatsapp', 'assigned', 0, 1, 'sales', 5);
                INSERT INTO assignment_explanations(conversation_id, at, body) VALUES (7, 0, 'older-1'), (7, 0, 'older-2');
                """)
            try store.commit()
        }
        let store = try openStore()  // migrates to the latest version
        XCTAssertEqual(try store.database.scalar("PRAGMA user_version"), Schema.latestVersion)
        XCTAssertEqual(try store.database.text("SELECT first_department FROM conversations WHERE id = 7"), "sales",
                       "a chat open at the migration keeps its department as its first")
        XCTAssertEqual(try store.explanations(conversation: 7), ["older-1", "older-2"])
        var seven = try XCTUnwrap(try store.conversation(7))
        seven.state = .closed
        try store.saveConversation(seven, explained: "third")
        try store.saveExplanation(conversation: 7, body: "fourth")
        try store.saveConversation(Conversation(id: 8, externalId: "wa-8", contactPhone: "+5511987654322",
                                                openedAt: t0), new: true, explained: "one\ntwo")
        try store.saveConversation(Conversation(id: 9, externalId: "wa-9", contactPhone: "+5511987654323",
                                                openedAt: t0), new: true)
        try store.commit()
        XCTAssertEqual(try store.explanations(conversation: 7), ["older-1", "older-2", "third", "fourth"])
        XCTAssertEqual(try store.conversation(7)?.state, .closed, "the row was saved with its explanation")
        XCTAssertEqual(try store.explanations(conversation: 8), ["one", "two"])
        XCTAssertEqual(try store.explanations(conversation: 9), [])
        XCTAssertEqual(try store.explanations(conversation: 10), [], "no such conversation")
        assertSound(store)
    }

    func testOpenConversationsComeBackInQueueOrder() throws {
        let store = try openStore()
        let rows: [(ConversationID, ConversationState, Int64)] = [
            (1, .queued, 50), (2, .potential, 10), (3, .closed, 5), (4, .assigned, 30), (5, .removed, 1),
            (6, .queued, 20), (7, .potential, 40),
        ]
        for (id, state, seq) in rows { try store.saveConversation(conversation(id, state, seq: seq)) }
        try store.commit()
        XCTAssertEqual(try store.openConversations().map(\.id), [2, 6, 4, 7, 1])
        XCTAssertEqual(try store.openConversations().map(\.queueSeq), [10, 20, 30, 40, 50])
    }

    func testMessagesComeInOrderAndTheLimitKeepsTheLatest() throws {
        let store = try openStore()
        var written: [Message] = []
        for index in 0..<6 {
            let conversation: ConversationID = index == 2 ? 2 : 1
            let from: Message.Sender = index % 2 == 0 ? .contact : .attendant
            written.append(try store.appendMessage(Message(conversationId: conversation, from: from,
                                                           text: "message \(index) ✓", at: t0 + Int64(index))))
        }
        try store.commit()
        let first = written.filter { $0.conversationId == 1 }
        XCTAssertEqual(try store.messages(1), first)
        XCTAssertEqual(try store.messages(1, limit: 2), Array(first.suffix(2)), "the latest ones, oldest first")
        XCTAssertEqual(try store.messages(2).map(\.text), ["message 2 ✓"])
        XCTAssertEqual(try store.messages(3), [])
        XCTAssertEqual(written.map(\.id), written.map(\.id).sorted())
        XCTAssertEqual(Set(written.map(\.id)).count, written.count)
    }

    func testContactsQuery() throws {
        let store = try openStore()
        let contacts = [
            ContactRecord(phone: "+5511987654321", name: "Mariana Lima", extra: "{\"vip\":true}", updatedAt: t0),
            ContactRecord(phone: "+5521998765432", name: "Ana Souza", extra: nil, updatedAt: t0 + 1),
            ContactRecord(phone: "+5531987650000", name: "Bruno Alves", extra: nil, updatedAt: t0 + 2),
        ]
        for contact in contacts { try store.saveContact(contact) }
        try store.commit()
        let rows: [(String?, Int, [String])] = [
            (nil, 500, ["Ana Souza", "Bruno Alves", "Mariana Lima"]),
            ("ANA", 500, ["Ana Souza", "Mariana Lima"]),
            ("ana", 1, ["Ana Souza"]),
            ("9876", 500, ["Ana Souza", "Bruno Alves", "Mariana Lima"]),
            ("+5521", 500, ["Ana Souza"]),
            ("zzz", 500, []),
        ]
        for (query, limit, expected) in rows {
            XCTAssertEqual(try store.contacts(query: query, limit: limit).map(\.name), expected, query ?? "nil")
        }
        XCTAssertEqual(try store.contacts(query: "mariana").first, contacts[0])

        try store.saveContact(ContactRecord(phone: "+5511987654321", name: "Mariana L.", extra: nil,
                                            updatedAt: t0 + 9))
        try store.commit()
        XCTAssertEqual(try store.contacts(query: "987654321"),
                       [ContactRecord(phone: "+5511987654321", name: "Mariana L.", extra: nil, updatedAt: t0 + 9)])
    }

    func testStickinessRoutes() throws {
        let store = try openStore()
        XCTAssertNil(try store.lastAttendant(phone: "+5511987654321"))
        try store.setLastAttendant(phone: "+5511987654321", attendant: 3)
        try store.setLastAttendant(phone: "+5511987654321", attendant: 4)
        try store.commit()
        XCTAssertEqual(try store.lastAttendant(phone: "+5511987654321"), 4)
    }

    func testARatingIsTakenOnlyOnceAndOnlyForClosedChats() throws {
        let store = try openStore()
        try store.saveConversation(conversation(1, .assigned))
        try store.saveConversation(conversation(2, .closed))
        try store.saveConversation(conversation(3, .removed))
        let rows: [(String, ConversationID, Int, Bool)] = [
            ("open", 1, 5, false), ("removed", 3, 5, false), ("unknown", 9, 5, false),
            ("closed", 2, 4, true), ("again", 2, 1, false),
        ]
        for (name, id, score, accepted) in rows {
            XCTAssertEqual(try store.rate(id, score: score), accepted, name)
        }
        try store.commit()
        XCTAssertEqual(try store.conversation(2)?.rating, 4)
        XCTAssertNil(try store.conversation(1)?.rating)
        // The row waits in the store's queue (DeferredRows): its CHECK fails when it is written, at the commit.
        try store.saveConversation(Conversation(id: 5, externalId: "x", contactPhone: "+5511987654321",
                                                state: .closed, openedAt: t0, rating: 6))
        assertStoreError(ExtendedCode.check) { try store.commit() }
        XCTAssertFalse(store.inTransaction)
    }

    func testSettingsHaveDefaultsAndAreSaved() throws {
        do {
            let store = try openStore()
            XCTAssertEqual(try store.settings(), AccountSettings())
            var settings = AccountSettings()
            settings.attendantsCanRemovePotentials = true
            settings.restrictAccessToHours = false
            try store.saveSettings(settings)
            try store.commit()
        }
        var expected = AccountSettings()
        expected.attendantsCanRemovePotentials = true
        expected.restrictAccessToHours = false
        XCTAssertEqual(try openStore().settings(), expected)
    }

    func testDepartmentsUpsertAndDelete() throws {
        let store = try openStore()
        try store.saveDepartment(Department(id: "sales", name: "Sales"), now: t0)
        try store.saveDepartment(Department(id: "billing", name: "Billing", strategy: .manual), now: t0)
        try store.saveDepartment(Department(id: "sales", name: "Vendas", strategy: .longestIdle), now: t0)
        try store.commit()
        XCTAssertEqual(try store.departments(), [Department(id: "billing", name: "Billing", strategy: .manual),
                                                 Department(id: "sales", name: "Vendas", strategy: .longestIdle)])
        try store.deleteDepartment("billing")
        try store.commit()
        XCTAssertEqual(try store.departments().map(\.id), ["sales"])
    }
}
