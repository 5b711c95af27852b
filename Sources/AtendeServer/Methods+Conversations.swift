// Conversation methods of the bot and the attendants. The router decides; these handlers validate the params,
// check who may touch which chat, write what the router's effects say, and answer with the contract's shapes.

import AtendeCore
import AtendeProtocol
import AtendeStore

extension Daemon {
    /// The conversation as JSON. A conversation is usually written twice in a row in the same state (the reply to
    /// open and the assigned push, the reply to close and the closed push), so the last encoding is kept.
    func conversationJSON(_ conversation: Conversation) -> [UInt8] {
        if !lastEncoded.bytes.isEmpty && lastEncoded.conversation == conversation { return lastEncoded.bytes }
        // Written in the loop's scratch buffer and copied into an array of its size: an array made with
        // `unsafeUninitializedCapacity` is allocated through the standard library's unspecialized code.
        let bytes = Wire.conversationBound(conversation) <= encodingScratch.count
            ? Array(UnsafeBufferPointer(rebasing: encodingScratch[..<Wire.conversation(
                conversation, into: encodingScratch, known: turnTime)]))
            : Wire.conversation(conversation)
        lastEncoded = EncodedConversation(conversation: conversation, bytes: bytes)
        return bytes
    }

    /// An `event` push about a conversation.
    func event(_ type: String, _ conversation: Conversation, message: Message? = nil) -> [UInt8] {
        Wire.event(type, encoded: conversationJSON(conversation), message: message)
    }
}

/// A conversation and its JSON.
struct EncodedConversation {
    var conversation: Conversation
    var bytes: [UInt8]
}

extension RequestContext {
    static let maxTextBytes = 65536
    /// How deep a contact's extra field may nest (arrays and objects).
    static let maxContactFieldNesting = 32

    /// An open conversation from the router, or a finished one from the store.
    func anyConversation(_ id: ConversationID) throws -> Conversation {
        if let open = router.conversation(id) { return open }
        if let stored = try store.conversation(id) { return stored }
        throw RoutingError(.notFound, "conversation \(id) does not exist", field: "id")
    }

    /// Refuses (1010) a conversation that exists but is closed or removed; 1004 when it does not exist. With
    /// `connection`, a finished chat the connection may not see is refused as not its own first.
    func ensureOpen(_ id: ConversationID, visibleTo connection: Connection? = nil) throws {
        guard !router.isOpen(id) else { return }
        let stored = try anyConversation(id)
        if let connection { try ensureVisible(stored, to: connection) }
        throw RoutingError(.invalidState, "conversation is \(stored.state.rawValue)", field: "id")
    }

    /// Attendants may see their own chats (current or past) and the waiting chats of their departments.
    func ensureVisible(_ conversation: Conversation, to connection: Connection) throws {
        guard let attendant = connection.attendant else { return }
        if conversation.attendantId == attendant { return }
        if conversation.state == .queued, let department = conversation.department,
           router.profile(of: attendant)?.departments.contains(department) == true { return }
        if conversation.state == .potential { return }
        throw RPCError.forbidden("not your conversation")
    }

    // MARK: - Bot

    func conversationOpen(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["externalId", "contact", "channel", "department", "text", "priority"])
        let externalId = try params.string("externalId", maxLength: 256)
        guard !externalId.isEmpty else { throw RPCError.invalidParams(field: "externalId", reason: "is empty") }
        let contact = try params.object("contact")
        try contact.rejectUnknown(["phone", "name"])
        let phone = try ContactPhone.normalize(try contact.string("phone", maxLength: 64), field: "contact.phone")
        let name = try contact.optionalString("name", maxLength: 200)?.trimmingWhitespace
        let channel = try params.optionalString("channel", maxLength: 64) ?? "whatsapp"
        guard !channel.isEmpty else { throw RPCError.invalidParams(field: "channel", reason: "is empty") }
        let department = try params.optionalString("department", maxLength: 64)
        let text = try params.optionalText("text", maxBytes: RequestContext.maxTextBytes)
        let priority = try priorityParam(params) ?? 0
        if let id = router.conversationID(externalId: externalId), let open = router.conversation(id) {
            fanOut.claim(id, by: connection)
            return .result(conversationJSON(open))
        }
        // A new chat from a new contact is certainly not in the store: no need to ask it.
        let stored = storedKeys.mayHave(externalId: externalId, phone: phone)
            ? try store.lookUpForOpen(externalId: externalId, phone: phone)
            : OpenLookup(conversation: nil, lastAttendant: nil)
        if let conversation = stored.conversation { return .result(conversationJSON(conversation)) }
        storedKeys.noteConversation(externalId: externalId)
        var conversation = Conversation(
            id: nextConversationID, externalId: externalId, contactPhone: phone,
            contactName: (name?.isEmpty ?? true) ? nil : name, channel: channel, department: department,
            openedAt: now, preferredAttendant: stored.lastAttendant)
        conversation.priority = priority
        let effects = try router.open(conversation, now: now)
        fanOut.claim(conversation.id, by: connection)
        nextConversationID += 1
        counters.opened += 1
        apply(effects, now: now, opened: conversation.id)
        if let text, !text.isEmpty {
            let message = try store.appendMessage(Message(conversationId: conversation.id, from: .contact, text: text,
                                                          at: now))
            // As with conversation.message: only an assigned attendant is told; an offered one sees the chat's
            // messages once it accepts.
            if let current = router.conversation(conversation.id), let attendant = current.attendantId,
               current.state == .assigned {
                fanOut.push(event("conversation.message", current, message: message), toAttendant: attendant)
            }
        }
        return .result(conversationJSON(router.conversation(conversation.id) ?? conversation))
    }

    func conversationRoute(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id", "department"])
        let id = try params.int("id")
        let department = try params.string("department", maxLength: 64)
        try ensureOpen(id)
        let effects = try router.route(id, to: department, now: now)
        fanOut.claim(id, by: connection)
        apply(effects, now: now)
        return .result(conversationJSON(try anyConversation(id)))
    }

    func conversationMessage(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id", "text"])
        let id = try params.int("id")
        let text = try params.text("text", maxBytes: RequestContext.maxTextBytes)
        guard !text.isEmpty else { throw RPCError.invalidParams(field: "text", reason: "is empty") }
        let conversation = try anyConversation(id)
        guard conversation.state.isOpen else {
            throw RoutingError(.invalidState, "conversation is \(conversation.state.rawValue)", field: "id")
        }
        let message = try store.appendMessage(Message(conversationId: id, from: .contact, text: text, at: now))
        fanOut.claim(id, by: connection)
        if let attendant = conversation.attendantId, conversation.state == .assigned {
            fanOut.push(event("conversation.message", conversation, message: message), toAttendant: attendant)
        }
        return .result(conversationAndMessage(conversation, message))
    }

    func conversationAndMessage(_ conversation: Conversation, _ message: Message) -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.key("conversation")
        Wire.conversation(conversation, into: &w)
        w.key("message")
        Wire.message(message, into: &w)
        w.endObject()
        return w.bytes
    }

    func conversationRate(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id", "score"])
        let id = try params.int("id")
        let score = Int(try params.int("score", range: 1...5))
        var conversation = try anyConversation(id)
        guard conversation.state == .closed else {
            throw RoutingError(.invalidState, "only closed conversations can be rated", field: "id")
        }
        guard conversation.rating == nil, try store.rate(id, score: score) else {
            throw RoutingError(.invalidState, "conversation was already rated", field: "id")
        }
        if let attendant = conversation.attendantId {
            try store.addRating(attendant, score: score)
            fanOut.dirtyAttendants.insert(attendant)
        }
        counters.rated += 1
        counters.ratings[score] += 1
        conversation.rating = score
        return .result(conversationJSON(conversation))
    }

    func conversationClose(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        let id = try params.int("id")
        let actor: Actor = connection.attendant.map(Actor.attendant) ?? (connection.role == .bot ? .bot : .admin)
        try ensureOpen(id, visibleTo: connection)
        let effects = try router.close(id, by: actor, now: now)
        fanOut.claim(id, by: connection)
        counters.closed += 1
        apply(effects, now: now, closed: id)
        for case .saved(let closed) in effects where closed.id == id { return .result(conversationJSON(closed)) }
        return .result(conversationJSON(try anyConversation(id)))
    }

    func conversationGet(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        let conversation = try anyConversation(try params.int("id"))
        try ensureVisible(conversation, to: connection)
        return .result(conversationJSON(conversation))
    }

    func conversationHistory(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id", "limit", "authors"])
        let conversation = try anyConversation(try params.int("id"))
        let limit = try params.optionalInt("limit", range: 1...10000) ?? 1000
        let authors = try params.optionalBool("authors") ?? false
        try ensureVisible(conversation, to: connection)
        let messages = try store.messages(conversation.id, limit: Int(limit))
        if authors { return .result(try historyWithAuthors(conversation, messages)) }  // Methods+Authorship.swift
        return .result(Wire.list("messages", messages) { Wire.message($0, into: &$1) })
    }

    func contactSave(_ params: Params) throws -> Outcome {
        let phone = try ContactPhone.normalize(try params.string("phone", maxLength: 64))
        let name = try params.string("name", maxLength: 200).trimmingWhitespace
        guard !name.isEmpty else { throw RPCError.invalidParams(field: "name", reason: "is empty") }
        var extra = JSONObject()
        for (key, value) in params.members where key != "phone" && key != "name" && key != "updatedAt" {
            guard key.utf8.count <= 64 else { throw RPCError.invalidParams(field: key, reason: "name longer than 64") }
            // Stored fields come back inside `contacts.list`'s answer, a few levels deeper than they were sent:
            // bounded here, the answer stays within the 64 levels every client of the protocol may refuse past.
            let deepest = Self.maxContactFieldNesting
            guard value.nesting <= deepest else {
                throw RPCError.invalidParams(field: key, reason: "nested deeper than \(deepest) levels")
            }
            extra[key] = value
        }
        guard extra.count <= 50 else {
            throw RPCError.invalidParams(field: "params", reason: "at most 50 extra fields")
        }
        let extraText = extra.isEmpty ? nil : JSON.object(extra).text
        guard (extraText?.utf8.count ?? 0) <= 16384 else {
            throw RPCError.invalidParams(field: "params", reason: "extra fields larger than 16 KiB")
        }
        let record = ContactRecord(phone: phone, name: name, extra: extraText, updatedAt: now)
        try store.saveContact(record)
        var w = JSONWriter()
        Wire.contact(record, into: &w)
        return .result(w.bytes)
    }

    // MARK: - Attendant

    func presenceSet(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["presence"])
        guard let attendant = connection.attendant else { throw RPCError.unauthenticated() }
        guard !connection.passive else { throw Daemon.passivePresence }
        let value = try params.string("presence", maxLength: 16)
        guard value == "online" || value == "away" else {
            throw RPCError.invalidParams(field: "presence", reason: "must be online or away")
        }
        if value == "away" { fanOut.away.insert(attendant) } else { fanOut.away.remove(attendant) }
        if router.prefersAway(attendant) != (value == "away") { try store.setAway(attendant, value == "away") }
        apply(router.setPresence(attendant, online: value == "online", now: now), now: now)
        let presence = router.presence(of: attendant)
        // The attendant's other connections (another tab, the phone) show the new choice too.
        fanOut.push({ Wire.presenceChanged(presence, reason: "presence.set") }, toAttendant: attendant,
                    except: connection.id)
        var w = JSONWriter()
        w.beginObject()
        w.field("presence", presence.rawValue)
        w.endObject()
        return .result(w.bytes)
    }

    func queueList(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["limit"])
        guard let attendant = connection.attendant else { throw RPCError.unauthenticated() }
        let limit = Int(try params.optionalInt("limit", range: 1...100_000) ?? 1000)
        var waiting: [Conversation] = []
        for department in router.profile(of: attendant)?.departments ?? [] {
            waiting += router.waiting(in: department, limit: limit)
        }
        waiting.sort { router.comesFirst($0, $1) }
        if waiting.count > limit { waiting.removeLast(waiting.count - limit) }
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.key("assigned")
        w.beginArray()
        for conversation in router.assigned(to: attendant) { Wire.conversation(conversation, into: &w) }
        w.endArray()
        w.key("waiting")
        w.beginArray()
        for conversation in waiting { Wire.conversation(conversation, into: &w) }
        w.endArray()
        w.endObject()
        return .result(w.bytes)
    }

    func conversationTake(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        guard let attendant = connection.attendant else { throw RPCError.unauthenticated() }
        let id = try params.int("id")
        try ensureOpen(id)
        apply(try router.take(id, by: attendant, now: now), now: now)
        return .result(conversationJSON(try anyConversation(id)))
    }

    func conversationReply(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id", "text"])
        guard let attendant = connection.attendant else { throw RPCError.unauthenticated() }
        let id = try params.int("id")
        let text = try params.text("text", maxBytes: RequestContext.maxTextBytes)
        guard !text.isEmpty else { throw RPCError.invalidParams(field: "text", reason: "is empty") }
        let conversation = try anyConversation(id)
        guard conversation.attendantId == attendant else { throw RPCError.forbidden("not your conversation") }
        guard conversation.state == .assigned else {
            throw RoutingError(.invalidState, "conversation is \(conversation.state.rawValue)", field: "id")
        }
        let message = try store.appendMessage(Message(conversationId: id, from: .attendant, text: text, at: now))
        try store.recordAuthor(message: message.id, attendant: attendant)
        let noted = router.noteReply(id, by: attendant, now: now)
        apply(noted, now: now)
        // A first reply moves the attendant's average first reply: monitors hear of it (attendant.changed), so a
        // supervisor's board reads the figures again instead of waiting for the next close or queue change.
        if conversation.firstReplyAt == nil { fanOut.dirtyAttendants.insert(attendant) }
        let replied = noted.isEmpty ? conversation : router.conversation(id) ?? conversation
        fanOut.pushToBots(event("conversation.reply", replied, message: message), for: id, last: false)
        // The attendant's other connections (another tab, the phone) show the reply too.
        fanOut.push({ event("conversation.replied", replied, message: message) }, toAttendant: attendant,
                    except: connection.id)
        return .result(conversationAndMessage(replied, message))
    }

    func conversationTransfer(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id", "department", "attendantId", "ifWaiting"])
        let id = try params.int("id")
        let department = try params.optionalString("department", maxLength: 64)
        let target = try params.optionalInt("attendantId")
        let onlyWaiting = try params.optionalBool("ifWaiting") ?? false
        guard department != nil || target != nil else {
            throw RPCError.invalidParams(field: "department", reason: "give department or attendantId")
        }
        try ensureOpen(id, visibleTo: connection)
        let actor: Actor = connection.attendant.map(Actor.attendant) ?? .admin
        // Whom it was taken from: the attendant holding it (one it was only offered to never had it).
        let held = try anyConversation(id)
        // A supervisor moving a waiting chat must not take it from an attendant who took it meanwhile.
        if onlyWaiting && held.state != .queued && held.state != .offered {
            throw RoutingError(.invalidState, "conversation is \(held.state.rawValue)", field: "id")
        }
        let before = held.state == .assigned ? held.attendantId : nil
        apply(try router.transfer(id, by: actor, toDepartment: department, toAttendant: target, now: now), now: now)
        let byAdmin = connection.attendant == nil ? connection.adminAccount : nil
        try store.recordTransfer(id, TransferRecord(at: now, byAttendant: connection.attendant, fromAttendant: before,
                                                    toDepartment: department, toAttendant: target, byAdmin: byAdmin))
        return .result(conversationJSON(try anyConversation(id)))
    }

    func potentialsList(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["limit", "lastMessages"])
        let limit = Int(try params.optionalInt("limit", range: 1...100_000) ?? 1000)
        let withMessages = try params.optionalBool("lastMessages") ?? false
        let potentials = router.potentialList(limit: limit)
        var w = JSONWriter(capacity: 256 + potentials.count * 384)
        w.beginObject()
        w.key("potentials")
        w.beginArray()
        for conversation in potentials { Wire.conversation(conversation, into: &w) }
        w.endArray()
        // An extension: what each contact said last, so a person choosing its department by hand knows what it
        // wants (the first `lastMessageLimit` listed, each cut to `lastMessageChars` characters). Only when asked:
        // each is a read of the store, and desks read the list again whenever it changes.
        if withMessages { try writeLastMessages(of: potentials, into: &w) }
        w.endObject()
        return .result(w.bytes)
    }

    private func writeLastMessages(of potentials: [Conversation], into w: inout JSONWriter) throws {
        w.key("lastMessages")
        w.beginObject()
        for conversation in potentials.prefix(RequestContext.lastMessageLimit) {
            guard let message = try store.messages(conversation.id, limit: 1).last else { continue }
            w.dynamicKey(String(conversation.id))
            w.beginObject()
            let text = message.text.unicodeScalars
            w.field("text", text.count > RequestContext.lastMessageChars
                ? String(String.UnicodeScalarView(text.prefix(RequestContext.lastMessageChars))) + "…" : message.text)
            w.field("from", message.from.rawValue)
            Wire.instant("at", message.at, into: &w)
            w.endObject()
        }
        w.endObject()
    }

    /// How many potentials `potentials.list` gives the last message of, and how long a message it gives whole.
    static let lastMessageLimit = 200
    static let lastMessageChars = 200

    func potentialsRemove(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        if connection.attendant != nil && !settings.attendantsCanRemovePotentials {
            throw RPCError.forbidden("attendants may not remove potentials (setting attendantsCanRemovePotentials)")
        }
        let id = try params.int("id")
        if !router.isOpen(id) {
            let stored = try anyConversation(id)
            throw RoutingError(.invalidState, "conversation is \(stored.state.rawValue), not a potential", field: "id")
        }
        let effects = try router.removePotential(id, now: now)
        apply(effects, now: now)
        for case .saved(let removed) in effects { return .result(conversationJSON(removed)) }
        return .result(conversationJSON(try anyConversation(id)))
    }

    func contactsList(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["query", "limit"])
        if connection.attendant != nil && !settings.attendantsCanViewBotContacts {
            throw RPCError.forbidden(
                "attendants may not view the bot's contacts (setting attendantsCanViewBotContacts)")
        }
        var query = try params.optionalString("query", maxLength: 200)
        let limit = Int(try params.optionalInt("limit", range: 1...10000) ?? 500)
        // A phone as people write it, "(48) 98877-6655", is looked for by its digits: phones are stored E.164.
        if let text = query, text.contains(where: \.isNumber),
           text.allSatisfy({ $0.isASCII && ($0.isNumber || " ()+-.".contains($0)) }) {
            query = text.filter(\.isNumber)
        }
        let contacts = try store.contacts(query: (query?.isEmpty ?? true) ? nil : query, limit: limit)
        return .result(Wire.list("contacts", contacts) { Wire.contact($0, into: &$1) })
    }
}
