// Tests for Wire's conversation and event encodings, written through JSONCursor: byte for byte what JSONWriter
// writes member by member in the contract's order, for every optional present or absent, escapes, equal and
// unequal times, years outside 0-9999, and strings whose escapes make them six times longer.

import AtendeCore
import AtendeProtocol
@testable import AtendeServer
import XCTest

final class WireTests: XCTestCase {
    /// The conversation as JSONWriter writes it, member by member.
    private func reference(_ c: Conversation) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.field("id", c.id)
        w.field("externalId", c.externalId)
        w.key("contact")
        w.beginObject()
        w.field("phone", c.contactPhone)
        w.optionalField("name", c.contactName)
        w.endObject()
        w.field("channel", c.channel)
        w.optionalField("department", c.department)
        w.field("state", c.state.rawValue)
        w.optionalField("attendantId", c.attendantId)
        for (name, time) in [("openedAt", c.openedAt), ("queuedAt", c.queuedAt), ("assignedAt", c.assignedAt),
                             ("closedAt", c.closedAt), ("offeredAt", c.offeredAt),
                             ("offerExpiresAt", c.offerExpiresAt),
                             ("wrapUpUntil", c.wrapUpUntil)] as [(String, Instant?)] {
            if let time { w.dynamicKey(name); w.string(time.iso8601) }
        }
        if let rating = c.rating { w.field("rating", rating) }
        w.field("priority", c.priority)
        if let time = c.firstReplyAt { w.key("firstReplyAt"); w.string(time.iso8601) }
        w.optionalField("overflowedFrom", c.overflowedFrom)
        w.endObject()
        return w.bytes
    }

    private let t0 = Instant(millis: 1_764_000_000_123)

    private var samples: [Conversation] {
        let bare = Conversation(id: 1, externalId: "wa-1", contactPhone: "+5511987654321", openedAt: t0)
        var full = Conversation(
            id: .max, externalId: "ext \"quoted\" \\ back\nline\u{01}", contactPhone: "+5521998765432",
            contactName: "José da Silva 😀 \u{1F}", channel: "telegram", department: "vendas/sp", state: .closed,
            attendantId: 7, openedAt: t0, queuedAt: t0, assignedAt: t0 + 1500, closedAt: t0 + 1500, rating: 5,
            queueSeq: 9)
        var farTimes = full
        farTimes.openedAt = Instant(millis: -62_198_755_200_001)  // before year 0
        farTimes.queuedAt = Instant(millis: 253_402_300_800_000)  // year 10000
        farTimes.assignedAt = Instant(millis: .max)
        farTimes.closedAt = Instant(millis: .min)
        farTimes.priority = 9  // contract v2 members, at their widest
        farTimes.overflowedFrom = "suporte-\"nível\"-2"
        farTimes.firstReplyAt = Instant(millis: .min + 1)
        full.id = .min
        var waiting = bare
        waiting.state = .queued
        waiting.department = "sales"
        waiting.queuedAt = t0 + 1
        return [bare, full, farTimes, waiting]
    }

    func testEscapesSixTimesLongerThanTheTextFitTheBound() throws {
        // Every control character becomes six bytes: the bound must leave room for that in each string.
        let controls = String(repeating: "\u{01}\u{1F}\"", count: 300)
        var conversation = Conversation(id: 3, externalId: controls, contactPhone: "+5511987654321", openedAt: t0)
        conversation.contactName = controls
        conversation.department = controls
        let bytes = Wire.conversation(conversation)
        XCTAssertGreaterThan(bytes.count, 3 * 4000)
        XCTAssertEqual(bytes, reference(conversation))
    }

    func testConversationIsWhatJSONWriterWrites() throws {
        for conversation in samples {
            let bytes = Wire.conversation(conversation)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                           String(decoding: reference(conversation), as: UTF8.self))
            var w = JSONWriter()
            w.beginArray()
            Wire.conversation(conversation, into: &w)
            w.endArray()
            XCTAssertEqual(w.bytes, [UInt8(ascii: "[")] + bytes + [UInt8(ascii: "]")])
        }
    }

    func testEventIsTheNotificationAroundTheConversation() throws {
        for conversation in samples {
            let encoded = Wire.conversation(conversation)
            let expected = RPCEncoder.notification(method: "event", capacity: 64) { w in
                w.beginObject()
                w.field("type", "conversation.assigned")
                w.key("conversation")
                w.raw(encoded)
                w.endObject()
            }
            XCTAssertEqual(Wire.event("conversation.assigned", encoded: encoded), expected)
        }
    }

    func testAKnownInstantIsWrittenAsItWouldBeFormatted() throws {
        for conversation in samples {
            let expected = Wire.conversation(conversation)
            let times = [conversation.openedAt, conversation.queuedAt, conversation.assignedAt, conversation.closedAt,
                         conversation.offeredAt, conversation.offerExpiresAt, conversation.wrapUpUntil,
                         conversation.firstReplyAt, conversation.replyDueAt, Instant(millis: 0)].compactMap { $0 }
            for time in times {
                let bound = Wire.conversationBound(conversation)
                let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bound)
                defer { buffer.deallocate() }
                let count = Wire.conversation(conversation, into: buffer, known: InstantText(time))
                XCTAssertEqual(Array(buffer[..<count]), expected, "\(time.millis)")
            }
        }
        // No known instant, or one outside years 0-9999 (kept as none), with an opening time at the very sentinel
        // that stands for none: formatted, never taken for a known text.
        var edge = samples[0]
        edge.openedAt = Instant(millis: .min)
        let expected = Wire.conversation(edge)
        XCTAssertFalse(expected.contains(0), "no NUL byte in \(String(decoding: expected, as: UTF8.self))")
        for known in [InstantText.none, InstantText(Instant(millis: .min)), InstantText(Instant(millis: .max))] {
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Wire.conversationBound(edge))
            defer { buffer.deallocate() }
            let count = Wire.conversation(edge, into: buffer, known: known)
            XCTAssertEqual(Array(buffer[..<count]), expected)
        }
    }

    func testAnEventKeptInPiecesIsWrittenAsTheWholeEvent() throws {
        for conversation in samples {
            let encoded = Wire.conversation(conversation)
            for (head, type) in [(Wire.EventHead.assigned, "conversation.assigned"), (.closed, "conversation.closed")] {
                let whole = Wire.event(type, encoded: encoded)
                guard case .event(let pieces) = Wire.event(head, encoded: encoded) else {
                    return XCTFail("not kept in pieces")
                }
                XCTAssertEqual(pieces.bytes, whole)
                XCTAssertEqual(pieces.count, whole.count)
                // Encoded for the wire beside a push of the same bytes: the same line, or the same text frame.
                for webSocket in [false, true] {
                    var fromPieces: [UInt8] = []
                    var fromWhole: [UInt8] = []
                    Staged.encode([.event(pieces), .push(whole)], webSocket: webSocket, into: &fromPieces)
                    Staged.encode([.push(whole), .push(whole)], webSocket: webSocket, into: &fromWhole)
                    XCTAssertEqual(fromPieces, fromWhole)
                }
            }
        }
    }
}
