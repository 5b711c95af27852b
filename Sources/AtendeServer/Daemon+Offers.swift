// Daemon, the server side of offers, reply timeouts, presence grace and wrap-up: the router's settings from the
// config and the account settings, and what its offer effects become (pushes to the attendant, `presence.changed`,
// the bots' `conversation.assigned` with the attendant's name, and the counters the metrics show).

import AtendeCore
import AtendeProtocol
import AtendeStore

/// Offers and revocations counted since start, for the metrics.
struct OfferCounters {
    var offered = 0
    /// By outcome: accepted, declined, expired, rescinded, offline, away.
    var outcomes: [String: Int] = [:]
    /// Revocations by reason.
    var revocations: [String: Int] = [:]
}

extension Daemon {
    /// Hands the router the settings it applies on its own: the presence grace (config), and `requeueOnOffline`
    /// and `maxMissedOffers` (account settings).
    func configureRouter() {
        attendantTails.removeAll()  // the router was rebuilt from the store (start, failed commit) or settings changed
        router.presenceGrace = Int64(config.presenceGrace) * 1000
        router.requeueOnOffline = settings.requeueOnOffline
        router.maxMissedOffers = settings.maxMissedOffers
    }
}

extension RequestContext {
    /// `Daemon.configureRouter`, after a request changed the account settings.
    func configureRouter() {
        router.requeueOnOffline = settings.requeueOnOffline
        router.maxMissedOffers = settings.maxMissedOffers
    }
}

extension Daemon {

    /// Carries out the effects that offers and their timers add (called by `apply`, in the turn's transaction).
    func applyOfferEffect(_ effect: RouterEffect) throws(StoreError) {
        switch effect {
        case .offered(let conversation):
            guard let attendant = conversation.attendantId else { return }
            counters.offers.offered += 1
            fanOut.dirtyAttendants.insert(attendant)
            fanOut.push(event("conversation.offered", conversation), toAttendant: attendant)
        case .revoked(let conversation, let attendant, let reason):
            counters.offers.revocations[reason.rawValue, default: 0] += 1
            fanOut.dirtyAttendants.insert(attendant)
            fanOut.push(revokedEvent(conversation, reason: reason), toAttendant: attendant)
        case .presenceChanged(let attendant, let presence, let reason):
            if presence == .away {
                fanOut.away.insert(attendant)
                try journal.store.setAway(attendant, true)  // missed offers: kept for a resumed session
            }
            fanOut.dirtyAttendants.insert(attendant)
            fanOut.push(Wire.presenceChanged(presence, reason: reason), toAttendant: attendant)
        case .noted(let note):
            if note.wasOffer { counters.offers.outcomes[note.outcome, default: 0] += 1 }
        case .missedOffersChanged(let attendant, let count):
            try journal.store.setMissedOffers(attendant, count)
        case .graceChanged(let attendant, let until):
            try journal.store.setGraceUntil(attendant, until)
        case .wrapUpEnded(let conversation):
            try journal.store.saveConversation(conversation)
            if let attendant = conversation.attendantId { fanOut.dirtyAttendants.insert(attendant) }
        default:
            break
        }
    }

    /// `conversation.revoked`: the conversation as it now is, and why it was taken away.
    func revokedEvent(_ conversation: Conversation, reason: RevokeReason) -> [UInt8] {
        let encoded = Wire.conversation(conversation)
        return RPCEncoder.notification(method: "event", capacity: 96 + encoded.count) { w in
            w.beginObject()
            w.field("type", "conversation.revoked")
            w.key("conversation")
            w.raw(encoded)
            w.field("reason", reason.rawValue)
            w.endObject()
        }
    }

    /// Tells the bots who took the chat: `conversation.assigned` with the attendant's id and name.
    func pushAssignedToBots(_ conversation: Conversation, attendant: AttendantID) throws(StoreError) {
        let tail: [UInt8]
        if let known = attendantTails[attendant] {
            tail = known
        } else {
            tail = Self.assignedToBotsTail(attendant, name: try journal.store.attendantName(attendant) ?? "")
            attendantTails[attendant] = tail
        }
        // In pieces, put together where it is written (see StagedEvent): this goes out with every assignment.
        let event = StagedEvent(head: Wire.assignedHead, conversation: conversationJSON(conversation),
                                tail: tail)
        fanOut.pushToBots(.event(event), for: conversation.id, last: false)
    }

    /// What follows the conversation in the bots' `conversation.assigned`: the attendant, and the closing braces.
    static func assignedToBotsTail(_ attendant: AttendantID, name: String) -> [UInt8] {
        var quotedName = JSONWriter(capacity: name.utf8.count + 8)
        quotedName.string(name)
        var bytes = Array(#","attendant":{"id":"#.utf8)
        bytes += String(attendant).utf8
        bytes += #","name":"#.utf8
        bytes += quotedName.bytes
        bytes += "}}}".utf8
        return bytes
    }

    /// The Prometheus lines of the offer counters.
    func offerMetrics() -> String {
        var out = "# HELP atende_offers_total Offers made since start.\n# TYPE atende_offers_total counter\n"
        out += "atende_offers_total \(counters.offers.offered)\n"
        out += "# HELP atende_offer_outcomes_total Offers ended since start, by outcome.\n"
        out += "# TYPE atende_offer_outcomes_total counter\n"
        for outcome in ["accepted", "declined", "expired", "rescinded", "offline", "away"] {
            out += "atende_offer_outcomes_total{outcome=\"\(outcome)\"} \(counters.offers.outcomes[outcome] ?? 0)\n"
        }
        out += "# HELP atende_revocations_total Chats taken from an attendant since start, by reason.\n"
        out += "# TYPE atende_revocations_total counter\n"
        for reason in RevokeReason.allCases {
            out += "atende_revocations_total{reason=\"\(reason.rawValue)\"} "
                + "\(counters.offers.revocations[reason.rawValue] ?? 0)\n"
        }
        return out
    }
}

extension Wire {
    /// `"events": [{at, outcome, attendantId, name?, reason?}]`: what became of a chat's offers and assignments.
    static func offerNotes(_ notes: [OfferNote], names: [AttendantID: String], into w: inout JSONWriter) {
        w.key("events")
        w.beginArray()
        for note in notes {
            w.beginObject()
            instant("at", note.at, into: &w)
            w.field("outcome", note.outcome)
            w.field("offer", note.wasOffer)
            w.field("attendantId", note.attendantId)
            w.optionalField("name", names[note.attendantId])
            if let reason = note.reason { w.field("reason", reason.rawValue) }
            w.endObject()
        }
        w.endArray()
    }
}
