// ConversationStorageTests: the optional members of Conversation are stored as plain integers with a sentinel for
// nil; every member must read back exactly what was written, nil included, and the value must stay small (every
// open chat is held in memory and copied into each effect about it).

import XCTest
@testable import AtendeCore

final class ConversationStorageTests: XCTestCase {
    func testEveryOptionalMemberReadsBackWhatWasWrittenAndNil() {
        var c = Conversation(id: 1, externalId: "e", contactPhone: "+5511987654321", openedAt: Instant(millis: 5))
        let times: [WritableKeyPath<Conversation, Instant?>] = [
            \.queuedAt, \.assignedAt, \.closedAt, \.offeredAt, \.offerExpiresAt, \.firstReplyAt, \.wrapUpUntil,
            \.replyDueAt, \.queueJoinedAt,
        ]
        let ids: [WritableKeyPath<Conversation, AttendantID?>] = [\.attendantId, \.preferredAttendant, \.avoidAttendant]
        for path in times { XCTAssertNil(c[keyPath: path]) }
        for path in ids { XCTAssertNil(c[keyPath: path]) }
        XCTAssertNil(c.rating)
        for (index, path) in times.enumerated() {
            for value in [Instant(millis: 0), Instant(millis: -1), Instant(millis: Int64(index) * 1_000_000_007)] {
                c[keyPath: path] = value
                XCTAssertEqual(c[keyPath: path], value)
            }
        }
        for (index, path) in ids.enumerated() {
            for value: AttendantID in [0, 1, Int64(index) + 1 << 40] {
                c[keyPath: path] = value
                XCTAssertEqual(c[keyPath: path], value)
            }
        }
        for score in 1...5 {
            c.rating = score
            XCTAssertEqual(c.rating, score)
        }
        c.overflowMoves = 3
        c.priority = 9
        XCTAssertEqual(c.overflowMoves, 3)
        XCTAssertEqual(c.priority, 9)
        for path in times { c[keyPath: path] = nil; XCTAssertNil(c[keyPath: path]) }
        for path in ids { c[keyPath: path] = nil; XCTAssertNil(c[keyPath: path]) }
        c.rating = nil
        XCTAssertNil(c.rating)
        XCTAssertEqual(c, Conversation(id: 1, externalId: "e", contactPhone: "+5511987654321",
                                       openedAt: Instant(millis: 5), queuedAt: nil)
                                  .with { $0.overflowMoves = 3; $0.priority = 9 },
                       "cleared members compare equal to never-set ones")
    }

    func testAConversationStaysSmall() {
        // Three strings, the box of the seldom-changed members, fifteen 8-byte members and four 1-byte ones.
        XCTAssertLessThanOrEqual(MemoryLayout<Conversation>.stride, 184, "\(MemoryLayout<Conversation>.stride)")
    }

    func testTheBoxedMembersKeepValueSemanticsAndTheDefaultsShareOneBox() {
        let plain = Conversation(id: 1, externalId: "e", contactPhone: "+5511987654321", openedAt: Instant(millis: 5))
        XCTAssertTrue(plain.details === ConversationDetails.standard, "a chat with the defaults has no box of its own")
        XCTAssertEqual(plain.channel, "whatsapp")
        var changed = plain
        changed.contactName = "Ana"
        changed.passedOver.append(7)
        changed.waitAlertedIn.append("vendas")
        changed.overflowedFrom = "suporte"
        changed.channel = "instagram"
        XCTAssertEqual(changed.contactName, "Ana")
        XCTAssertEqual(changed.passedOver, [7])
        XCTAssertEqual(changed.waitAlertedIn, ["vendas"])
        XCTAssertEqual(changed.overflowedFrom, "suporte")
        XCTAssertEqual(changed.channel, "instagram")
        // The copy it came from is unchanged, and so is the shared box.
        XCTAssertNil(plain.contactName)
        XCTAssertEqual(plain.passedOver, [])
        XCTAssertEqual(plain.channel, "whatsapp")
        XCTAssertEqual(ConversationDetails.standard.fields, ConversationDetails.Fields())
        XCTAssertNotEqual(changed, plain)
        // Set back to the defaults, it compares equal again and shares the one box.
        changed.contactName = nil
        changed.passedOver = []
        changed.waitAlertedIn = []
        changed.overflowedFrom = nil
        changed.channel = "whatsapp"
        XCTAssertEqual(changed, plain)
        XCTAssertTrue(changed.details === ConversationDetails.standard)
        // Made with a name, equal to one given the name after.
        var named = plain
        named.contactName = "Ana"
        XCTAssertEqual(named, Conversation(id: 1, externalId: "e", contactPhone: "+5511987654321", contactName: "Ana",
                                           openedAt: Instant(millis: 5)))
    }
}

extension Conversation {
    fileprivate func with(_ change: (inout Conversation) -> Void) -> Conversation {
        var copy = self
        change(&copy)
        return copy
    }
}
