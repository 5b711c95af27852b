// Queue policy and supervision methods of contract v2: a chat's priority, where it stands in its queue (and the
// bots' `conversation.queued` push), the admin's list of conversations, and the service-level figures of
// `stats.get`. The router keeps the order and the estimates; the store keeps the timestamps the figures come from.

import AtendeCore
import AtendeProtocol
import AtendeStore
import Foundation

extension RequestContext {
    /// Department members of contract v2 handled here.
    static let queuePolicyKeys = ["priorityStep", "serviceLevel", "overflow", "waitAlert"]

    /// Reads `priorityStep` and `serviceLevel` when given (range errors name the field).
    func readQueuePolicy(_ params: Params, into department: inout Department) throws {
        if let step = try params.optionalInt("priorityStep", range: 0...86_400) { department.priorityStep = Int(step) }
        if let target = try params.optionalInt("serviceLevel", range: 1...3600) {
            department.serviceLevel = Int(target)
        }
        if params.value("waitAlert") != nil {  // null turns the alert off
            department.waitAlert = try params.optionalInt("waitAlert", range: 10...86_400)
        }
        if let value = params.value("overflow") {
            if value.isNull {
                department.overflow = nil
            } else {
                let rule = try params.object("overflow")
                try rule.rejectUnknown(["after", "department"])
                let after = try rule.int("after", range: 10...86_400)
                let target = try rule.string("department", maxLength: 64)
                guard target != department.id else {
                    throw RPCError.invalidParams(field: "overflow.department",
                                                 reason: "cannot be the department itself")
                }
                guard router.hasDepartment(target) else {
                    throw RPCError.invalidParams(field: "overflow.department", reason: "no department '\(target)'")
                }
                department.overflow = Overflow(after: after, department: target)
            }
        }
    }

    /// `priority` when given: 0...9.
    func priorityParam(_ params: Params) throws -> Int? {
        let range = Int64(Router.priorities.lowerBound)...Int64(Router.priorities.upperBound)
        return try params.optionalInt("priority", range: range).map { Int($0) }
    }

    func conversationSetPriority(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id", "priority"])
        let id = try params.int("id")
        guard let priority = try priorityParam(params) else {
            throw RPCError.invalidParams(field: "priority", reason: "is required")
        }
        try ensureOpen(id)
        apply(try router.setPriority(id, to: priority, now: now), now: now)
        fanOut.claim(id, by: connection)
        return .result(conversationJSON(try anyConversation(id)))
    }

    func conversationPosition(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        let id = try params.int("id")
        try ensureOpen(id)
        guard let standing = router.standing(of: id, now: now) else {
            throw RoutingError(.invalidState, "conversation is not waiting in a department queue", field: "id")
        }
        var w = JSONWriter(capacity: 128)
        Wire.standing(standing, into: &w)
        return .result(w.bytes)
    }

    func conversationList(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["state", "department", "attendantId", "limit", "before"])
        let state = try params.optionalString("state", maxLength: 16).map { text throws -> ConversationState in
            guard let state = ConversationState(rawValue: text) else {
                let names = ConversationState.allCases.map(\.rawValue).joined(separator: ", ")
                throw RPCError.invalidParams(field: "state", reason: "must be one of \(names)")
            }
            return state
        }
        let department = try params.optionalString("department", maxLength: 64)
        let attendant = try params.optionalInt("attendantId")
        let limit = Int(try params.optionalInt("limit", range: 1...10_000) ?? 100)
        let before = try params.optionalInt("before", range: 1...Int64.max)
        let found = try store.conversations(state: state, department: department, attendant: attendant,
                                            before: before, limit: limit)
        var w = JSONWriter(capacity: 256 * found.count + 32)
        w.beginObject()
        w.key("conversations")
        w.beginArray()
        for (stored, firstQueuedAt) in found {
            // The router's copy of an open chat is the one clients see everywhere else.
            let conversation = stored.state.isOpen ? router.conversation(stored.id) ?? stored : stored
            w.rawValue { bytes in
                // The conversation's members, then how long it waited for a reply (contract v2: supervision).
                var encoded = conversationJSON(conversation)
                encoded.removeLast()
                bytes += encoded
                bytes += Array(",\"replyWaitSeconds\":".utf8)
                let waited = ServiceLevels.replyWaitSeconds(conversation, since: firstQueuedAt, now: now)
                bytes += Array(String(waited).utf8)
                bytes.append(UInt8(ascii: "}"))
            }
        }
        w.endArray()
        w.endObject()
        return .result(w.bytes)
    }

    /// The service-level figures since `since` (default: local midnight).
    func serviceLevels(since: Instant?, now: Instant) throws
        -> (departments: [DepartmentServiceLevel], attendants: [AttendantServiceLevel]) {
        try ServiceLevels.compute(store, timeZone: config.timezone, since: since, now: now)
    }

    /// `since` of `stats.get`: an ISO time.
    func sinceParam(_ params: Params) throws -> Instant? {
        guard let text = try params.optionalString("since", maxLength: 64) else { return nil }
        guard let since = Instant(iso8601: text) else {
            throw RPCError.invalidParams(field: "since", reason: "must be an ISO 8601 time")
        }
        return since
    }
}

/// The service-level figures and their wire form, shared by `stats.get`, `conversation.list` and the metrics.
enum ServiceLevels {
    /// How long a chat waited (or has been waiting) for an attendant's first reply: from its first queue entry
    /// to that reply, or to now while it is open without one; 0 for a chat never queued.
    static func replyWaitSeconds(_ c: Conversation, since firstQueuedAt: Instant?, now: Instant) -> Int64 {
        guard let start = firstQueuedAt ?? c.queuedAt else { return 0 }
        let end = c.firstReplyAt ?? (c.state.isOpen ? now : c.closedAt ?? now)
        return max(0, (end - start) / 1000)
    }

    /// Local midnight today in `timeZone` (the default `since` of `stats.get`).
    static func startOfToday(_ now: Instant, timeZone: String) -> Instant {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
        let start = calendar.startOfDay(for: Date(timeIntervalSince1970: Double(now.millis) / 1000))
        return Instant(millis: Int64((start.timeIntervalSince1970 * 1000).rounded()))
    }

    /// The figures since `since` (default: local midnight in `timeZone`), each department against its target.
    static func compute(_ store: any DurableStore, timeZone: String, since: Instant?, now: Instant) throws
        -> (departments: [DepartmentServiceLevel], attendants: [AttendantServiceLevel]) {
        var targets: [String: Int] = [:]
        for department in try store.departments() { targets[department.id] = department.serviceLevel }
        return try store.serviceLevels(since: since ?? startOfToday(now, timeZone: timeZone), targets: targets)
    }

    /// Writes the service-level members of a department's `stats.get` entry.
    static func writeServiceLevel(_ figures: DepartmentServiceLevel?, into w: inout JSONWriter) {
        let figures = figures ?? DepartmentServiceLevel(department: "")
        w.field("served", figures.served)
        w.field("abandoned", figures.abandoned)
        optional("serviceLevel", figures.serviceLevel, into: &w)
        optional("avgAnswerSeconds", figures.averageAnswerSeconds, into: &w)
        optional("avgFirstReplySeconds", figures.averageFirstReplySeconds, into: &w)
        optional("avgHandleSeconds", figures.averageHandleSeconds, into: &w)
    }

    /// The `attendants` member of `stats.get`.
    static func writeAttendantLevels(_ list: [AttendantServiceLevel], offers: [AttendantID: OfferOutcomes] = [:],
                                     into w: inout JSONWriter) {
        w.key("attendants")
        w.beginObject()
        // An attendant offered chats but holding none has figures too (all zero but its offers).
        var all = list
        let listed = Set(list.map(\.attendant))
        for attendant in offers.keys.sorted() where !listed.contains(attendant) {
            all.append(AttendantServiceLevel(attendant: attendant))
        }
        for figures in all {
            w.dynamicKey(String(figures.attendant))
            w.beginObject()
            w.field("handled", figures.handled)
            optional("avgFirstReplySeconds", figures.averageFirstReplySeconds, into: &w)
            optional("avgHandleSeconds", figures.averageHandleSeconds, into: &w)
            let counted = offers[figures.attendant] ?? OfferOutcomes()
            w.key("offers")
            w.beginObject()
            w.field("accepted", counted.accepted)
            w.field("declined", counted.declined)
            w.field("expired", counted.expired)
            w.endObject()
            w.endObject()
        }
        w.endObject()
    }

    private static func optional(_ name: StaticString, _ value: Double?, into w: inout JSONWriter) {
        if let value { w.field(name, value) } else { w.fieldNull(name) }
    }
}

extension Wire {
    /// `{position, waiting, estimatedWaitSeconds, opensAt}`.
    static func standing(_ standing: QueueStanding, into w: inout JSONWriter) {
        w.beginObject()
        standingMembers(standing, into: &w)
        w.endObject()
    }

    /// The members of a standing, inside an object already begun.
    static func standingMembers(_ standing: QueueStanding, into w: inout JSONWriter) {
        w.field("position", standing.position)
        w.field("waiting", standing.waiting)
        if let estimate = standing.estimatedWaitSeconds {
            w.field("estimatedWaitSeconds", estimate)
        } else {
            w.fieldNull("estimatedWaitSeconds")
        }
        if let opensAt = standing.opensAt {
            instant("opensAt", opensAt, into: &w)
        } else {
            w.fieldNull("opensAt")
        }
    }
}

extension Daemon {
    /// The bots' `conversation.queued` push for a chat that joined a queue in this request and still waits.
    func announceQueued(_ conversation: Conversation, now: Instant) {
        guard !fanOut.bots.isEmpty || !fanOut.ownBots.isEmpty,
              let standing = router.standing(of: conversation.id, now: now) else { return }
        let bytes = RPCEncoder.notification(method: "event", capacity: 600) { w in
            w.beginObject()
            w.field("type", "conversation.queued")
            w.key("conversation")
            w.raw(conversationJSON(conversation))
            Wire.standingMembers(standing, into: &w)
            w.endObject()
        }
        fanOut.pushToBots(bytes, for: conversation.id, last: false)
    }

    /// The bots' `conversation.waitExceeded` push: the chat has waited its department's `waitAlert`.
    /// With no bot connected it is held until one is (`sendHeldWaitAlerts`).
    func announceWaitExceeded(_ conversation: Conversation, waitedSeconds: Int64) {
        guard !fanOut.bots.isEmpty || !fanOut.ownBots.isEmpty else {
            if let department = conversation.department { fanOut.heldWaitAlerts[conversation.id] = department }
            return
        }
        let bytes = RPCEncoder.notification(method: "event", capacity: 600) { w in
            w.beginObject()
            w.field("type", "conversation.waitExceeded")
            w.key("conversation")
            w.raw(conversationJSON(conversation))
            w.field("waitedSeconds", waitedSeconds)
            w.endObject()
        }
        fanOut.pushToBots(bytes, for: conversation.id, last: false)
    }

    /// Sends the wait alerts held while no bot was connected, once one is, for the chats that still wait in the
    /// department each alert was for (with the time waited there so far); an offered chat still waits, and keeps
    /// its alert held until its offer ends. Called at the end of a turn, so that a bot that just authenticated gets
    /// its answer first. Returns the alerts taken: if the turn then fails (at its commit, or when PostgreSQL refuses
    /// it after the fact: `RefusedTurn`), its pushes are dropped and they are held again.
    func sendHeldWaitAlerts(now: Instant) -> [(conversation: ConversationID, department: String)] {
        guard !fanOut.heldWaitAlerts.isEmpty, !fanOut.bots.isEmpty || !fanOut.ownBots.isEmpty else { return [] }
        let held = fanOut.heldWaitAlerts
        fanOut.heldWaitAlerts = [:]
        var taken: [(conversation: ConversationID, department: String)] = []
        for (id, department) in held.sorted(by: { $0.key < $1.key }) {
            guard let chat = router.conversation(id), chat.department == department else { continue }
            if chat.state == .offered {
                fanOut.heldWaitAlerts[id] = department
            } else if chat.state == .queued, let joined = chat.queueJoinedAt {
                announceWaitExceeded(chat, waitedSeconds: max(0, now - joined) / 1000)
                taken.append((id, department))
            }
        }
        return taken
    }

    /// The service-level figures since local midnight, for the metrics.
    func serviceLevelsToday(now: Instant) throws
        -> (departments: [DepartmentServiceLevel], attendants: [AttendantServiceLevel]) {
        try ServiceLevels.compute(journal.store, timeZone: config.timezone, since: nil, now: now)
    }
}
