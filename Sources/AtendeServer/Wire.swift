// Wire: how atende's values look in JSON, written straight to bytes with JSONWriter (no Foundation encoders on the
// hot path). One function per entity, matching the contract's field names.

import AtendeCore
import AtendeProtocol
import AtendeStore

enum Wire {
    static func conversation(_ c: Conversation, into w: inout JSONWriter) {
        w.raw(conversation(c))
    }

    /// The conversation's JSON, written through a cursor into one allocation (it is encoded for every reply and
    /// push about a chat: twice per chat routed). Members in the contract's order. The bound below must cover
    /// every member: a member added without its share stops the process at its write (the cursor checks each
    /// piece in every build) rather than writing past the allocation.
    static func conversation(_ c: Conversation) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: conversationBound(c)) { buffer, count in
            count = conversation(c, into: buffer)
        }
    }

    /// The most bytes `conversation(_:into:)` writes for `c`.
    static func conversationBound(_ c: Conversation) -> Int {
        let timestampBound = 48  // the member name and a quoted ISO 8601 time, expanded years included
        // Member names and punctuation (about 110 bytes), the rating, id and attendantId, four times.
        var bound = 280 + 2 * JSONCursor.intBound + 8 * timestampBound
        bound += JSONCursor.quotedBound(c.externalId) + JSONCursor.quotedBound(c.contactPhone)
            + JSONCursor.quotedBound(c.channel) + JSONCursor.quotedBound(c.state.rawValue)
        if let name = c.contactName { bound += JSONCursor.quotedBound(name) }
        if let department = c.department { bound += JSONCursor.quotedBound(department) }
        bound += 16 + timestampBound  // contract v2: priority and firstReplyAt
        bound += timestampBound  // replyDueAt (an addition)
        if let from = c.overflowedFrom { bound += 20 + JSONCursor.quotedBound(from) }
        return bound
    }

    /// Writes the conversation's JSON into `buffer`, which holds at least `conversationBound(c)` bytes; returns
    /// how many it wrote.
    /// `known`: an instant already formatted (the loop passes its turn's time, which is the time of every chat
    /// the turn opens, assigns or closes).
    static func conversation(_ c: Conversation, into buffer: UnsafeMutableBufferPointer<UInt8>,
                             known: InstantText = .none) -> Int {
        var out = JSONCursor(buffer)
        out.literal("{\"id\":")
        out.int(c.id)
        out.literal(",\"externalId\":")
        out.quoted(c.externalId)
        out.literal(",\"contact\":{\"phone\":")
        out.quoted(c.contactPhone)
        if let name = c.contactName {
            out.literal(",\"name\":")
            out.quoted(name)
        }
        out.literal("},\"channel\":")
        out.quoted(c.channel)
        if let department = c.department {
            out.literal(",\"department\":")
            out.quoted(department)
        }
        out.literal(",\"state\":")
        out.quoted(c.state.rawValue)
        if let attendant = c.attendantId {
            out.literal(",\"attendantId\":")
            out.int(attendant)
        }
        // The times of a chat are often equal (opened, queued and assigned in one turn): a time equal to the
        // one before is copied from where it was written.
        var last: (instant: Instant, start: Int, count: Int)?
        func time(_ member: StaticString, _ value: Instant?) {
            guard let value else { return }
            out.literal(member)
            let start = out.count
            if let last, last.instant == value {
                out.raw(UnsafeRawBufferPointer(start: buffer.baseAddress! + last.start, count: last.count))
            } else if known.holds(value) {
                out.byte(UInt8(ascii: "\""))
                known.withText { out.raw($0) }
                out.byte(UInt8(ascii: "\""))
            } else {
                out.byte(UInt8(ascii: "\""))
                value.withISO8601 { out.raw($0) }
                out.byte(UInt8(ascii: "\""))
            }
            last = (value, start, out.count - start)
        }
        time(",\"openedAt\":", c.openedAt)
        time(",\"queuedAt\":", c.queuedAt)
        time(",\"assignedAt\":", c.assignedAt)
        time(",\"closedAt\":", c.closedAt)
        time(",\"offeredAt\":", c.offeredAt)
        time(",\"offerExpiresAt\":", c.offerExpiresAt)
        time(",\"wrapUpUntil\":", c.wrapUpUntil)
        if let rating = c.rating {
            out.literal(",\"rating\":")
            out.int(Int64(rating))
        }
        out.literal(",\"priority\":")
        out.int(Int64(c.priority))
        time(",\"firstReplyAt\":", c.firstReplyAt)
        time(",\"replyDueAt\":", c.replyDueAt)
        if let from = c.overflowedFrom {
            out.literal(",\"overflowedFrom\":")
            out.quoted(from)
        }
        out.byte(UInt8(ascii: "}"))
        return out.count
    }

    static func instant(_ name: StaticString, _ value: Instant?, into w: inout JSONWriter) {
        guard let value else { return }
        w.key(name)
        w.rawValue { bytes in
            bytes.append(UInt8(ascii: "\""))
            value.writeISO8601(into: &bytes)
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// The `presence.changed` event: `{type, presence, reason}`.
    static func presenceChanged(_ presence: Presence, reason: String) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.field("type", "presence.changed")
        w.field("presence", presence.rawValue)
        w.field("reason", reason)
        w.endObject()
        return RPCEncoder.notification(method: "event", params: w.bytes)
    }

    /// The pieces of the `event` push of type `type` about a conversation already encoded, without a message: the
    /// same bytes as `event(type, encoded:)`, put together where they are written.
    static func event(_ type: EventHead, encoded conversation: [UInt8]) -> Staged {
        .event(StagedEvent(head: type.bytes, conversation: conversation, tail: eventTail))
    }

    /// The envelope of the conversation events sent with every chat, up to the conversation.
    enum EventHead {
        case assigned, closed

        var bytes: [UInt8] {
            switch self {
            case .assigned: Wire.assignedHead
            case .closed: Wire.closedHead
            }
        }
    }

    static let assignedHead = eventHead("conversation.assigned")
    static let closedHead = eventHead("conversation.closed")
    static let eventTail = Array("}}".utf8)

    static func eventHead(_ type: String) -> [UInt8] {
        var w = JSONWriter(capacity: 96)
        w.string(type)
        return Array(#"{"jsonrpc":"2.0","method":"event","params":{"type":"#.utf8) + w.bytes
            + Array(#","conversation":"#.utf8)
    }

    /// `{"type": ..., "conversation": {...}}` as an `event` notification, the conversation already encoded, in one
    /// array. (The assigned and closed pushes of every chat are kept in pieces instead: `event(_:encoded:)` above.)
    static func event(_ type: String, encoded conversation: [UInt8], message: Message? = nil) -> [UInt8] {
        guard let message else {
            // Without a message (transferred, wrap-up and others), through a cursor.
            let bound = 96 + JSONCursor.quotedBound(type) + conversation.count
            return [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
                var out = JSONCursor(buffer)
                out.literal("{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"type\":")
                out.quoted(type)
                out.literal(",\"conversation\":")
                conversation.withUnsafeBytes { out.raw($0) }
                out.literal("}}")
                count = out.count
            }
        }
        return RPCEncoder.notification(method: "event",
                                       capacity: 200 + conversation.count + message.text.utf8.count) { w in
            w.beginObject()
            w.field("type", type)
            w.key("conversation")
            w.raw(conversation)
            w.key("message")
            self.message(message, into: &w)
            w.endObject()
        }
    }

    static func message(_ m: Message, into w: inout JSONWriter) {
        w.beginObject()
        w.field("id", m.id)
        w.field("from", m.from.rawValue)
        w.field("text", m.text)
        instant("at", m.at, into: &w)
        w.endObject()
    }

    static func department(_ d: Department, into w: inout JSONWriter) {
        w.beginObject()
        w.field("id", d.id)
        w.field("name", d.name)
        w.field("strategy", d.strategy.rawValue)
        if let timeout = d.offerTimeout { w.field("offerTimeout", timeout) } else { w.fieldNull("offerTimeout") }
        if let timeout = d.replyTimeout { w.field("replyTimeout", timeout) } else { w.fieldNull("replyTimeout") }
        w.field("wrapUp", d.wrapUp)
        if let overflow = d.overflow {
            w.key("overflow")
            w.beginObject()
            w.field("after", overflow.after)
            w.field("department", overflow.department)
            w.endObject()
        } else {
            w.fieldNull("overflow")
        }
        if let alert = d.waitAlert { w.field("waitAlert", alert) } else { w.fieldNull("waitAlert") }
        w.field("priorityStep", d.priorityStep)
        w.field("serviceLevel", d.serviceLevel)
        w.endObject()
    }

    static func hours(_ hours: WeeklyHours, into w: inout JSONWriter) {
        guard case .weekly(let zone, let days, let exceptions) = hours else {
            w.string("always")
            return
        }
        w.beginObject()
        w.field("timezone", zone)
        w.key("week")
        w.beginObject()
        for (index, intervals) in days.enumerated() where !intervals.isEmpty {
            w.dynamicKey(WeeklyHours.dayNames[index])
            w.beginArray()
            for interval in intervals {
                w.beginArray()
                w.string(WeeklyHours.format(seconds: interval.start))
                w.string(WeeklyHours.format(seconds: interval.end))
                w.endArray()
            }
            w.endArray()
        }
        w.endObject()
        if !exceptions.isEmpty {
            w.key("exceptions")
            w.beginArray()
            for exception in exceptions {
                w.beginObject()
                w.field("date", CalendarDate.format(exception.day))
                w.key("intervals")
                w.beginArray()
                for interval in exception.intervals {
                    w.beginArray()
                    w.string(WeeklyHours.format(seconds: interval.start))
                    w.string(WeeklyHours.format(seconds: interval.end))
                    w.endArray()
                }
                w.endArray()
                w.endObject()
            }
            w.endArray()
        }
        w.endObject()
    }

    /// `role`: set in `auth.login`'s result, which says which kind of account logged in (contract v2).
    static func attendant(_ a: AttendantRecord, presence: Presence, openChats: Int, wrappingChats: Int = 0,
                          role: String? = nil, into w: inout JSONWriter) {
        w.beginObject()
        w.field("id", a.id)
        w.field("name", a.name)
        w.field("login", a.login)
        w.optionalField("phone", a.phone)
        w.optionalField("email", a.email)
        w.field("hasImage", a.hasImage)
        w.field("active", a.active)
        w.key("departments")
        w.beginArray()
        for department in a.departments { w.string(department) }
        w.endArray()
        w.key("hours")
        hours(a.hours, into: &w)
        w.field("maxChats", a.maxChats)
        w.field("presence", presence.rawValue)
        w.field("openChats", openChats)
        w.field("wrappingChats", wrappingChats)
        w.key("rating")
        w.beginObject()
        let average = a.ratingCount == 0 ? 0 : (Double(a.ratingSum) / Double(a.ratingCount) * 100).rounded() / 100
        w.key("average")
        w.double(average)
        w.field("count", a.ratingCount)
        w.endObject()
        instant("lastSeenAt", a.lastSeenAt, into: &w)
        instant("createdAt", a.createdAt, into: &w)
        if let role { w.field("role", role) }
        w.endObject()
    }

    static func contact(_ c: ContactRecord, into w: inout JSONWriter) {
        w.beginObject()
        w.field("phone", c.phone)
        w.field("name", c.name)
        if let extra = c.extra, let json = try? JSONParser.parse(extra), let object = json.objectValue {
            for (key, value) in object.sorted(by: { $0.key < $1.key }) where key != "phone" && key != "name" {
                w.dynamicKey(key)
                w.value(value)
            }
        }
        instant("updatedAt", c.updatedAt, into: &w)
        w.endObject()
    }

    /// `{"<name>": [items...]}`.
    static func list<T>(_ name: StaticString, _ items: [T], _ write: (T, inout JSONWriter) -> Void) -> [UInt8] {
        var w = JSONWriter(capacity: 256 + items.count * 256)
        w.beginObject()
        w.key(name)
        w.beginArray()
        for item in items { write(item, &w) }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    /// An assignment explanation, with attendant names when known.
    static func explanation(_ e: AssignmentExplanation, names: [AttendantID: String], into w: inout JSONWriter) {
        w.beginObject()
        instant("at", e.at, into: &w)
        w.field("department", e.department)
        w.field("strategy", e.strategy.rawValue)
        w.field("rule", e.rule.rawValue)
        w.field("chosen", e.chosen)
        w.optionalField("chosenName", names[e.chosen])
        w.key("candidates")
        w.beginArray()
        for candidate in e.candidates {
            w.beginObject()
            w.field("attendantId", candidate.attendantId)
            w.optionalField("name", names[candidate.attendantId])
            w.field("standing", candidate.standing.rawValue)
            w.field("openChats", candidate.openChats)
            w.field("maxChats", candidate.maxChats)
            w.field("idleSeconds", candidate.idleMillis / 1000)
            w.endObject()
        }
        w.endArray()
        w.field("omitted", e.omitted)
        w.endObject()
    }

    static let ok: [UInt8] = Array(#"{"ok":true}"#.utf8)
}

/// An instant with its ISO 8601 text, formatted once: the loop keeps its turn's time so, and every chat the turn
/// opens, assigns or closes carries that time, in each of the two encodings a chat gets.
struct InstantText {
    /// The instant's milliseconds; `Int64.min` for none (see `holds`).
    let millis: Int64
    private var text: (UInt64, UInt64, UInt64) = (0, 0, 0)

    /// No instant.
    static let none = InstantText()

    private init() { millis = .min }

    /// `instant` formatted now; an instant whose text is not 24 bytes (a year outside 0-9999) is kept as none.
    init(_ instant: Instant) {
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let plain = instant.withISO8601 { bytes in
            guard bytes.count == MemoryLayout.size(ofValue: text) else { return false }
            withUnsafeMutableBytes(of: &text) { $0.copyMemory(from: bytes) }
            return true
        }
        millis = plain ? instant.millis : .min
        self.text = text
    }

    /// Whether this holds `instant`'s text (never for `.none`, whose sentinel is also a possible instant).
    func holds(_ instant: Instant) -> Bool { millis != .min && instant.millis == millis }

    /// Calls `body` with the text's bytes.
    func withText(_ body: (UnsafeRawBufferPointer) -> Void) {
        withUnsafeBytes(of: text) { body($0) }
    }
}
