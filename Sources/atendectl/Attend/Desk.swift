// Desk: what `attend` knows about the attendant's work — its open chats, the waiting chats of its departments,
// the last message of each chat, and a log of what happened — kept as plain values so the screen can be drawn
// from it at any moment. Pushes update it in place; queue.list is re-read whenever a push says the lists moved,
// because a push carries one chat and the queue's order is the daemon's to decide.

import AtendeProtocol

/// The state of an `attend` session.
struct Desk {
    /// A line in the activity log.
    struct Note {
        /// How a note is shown.
        enum Tone { case info, incoming, outgoing, alert, error }
        /// When it happened (seconds since the epoch).
        let time: Double
        /// What happened; may be long, the screen wraps it.
        let text: String
        /// How to show it.
        let tone: Tone
    }

    /// The logged-in attendant, as auth.login returned it.
    var me: JSON
    /// Its presence as the daemon computed it.
    var presence: String
    /// Its open chats, oldest assignment first.
    var assigned: [JSON] = []
    /// Chats offered to it, waiting for accept or decline (each with its `offerExpiresAt`).
    var offers: [JSON] = []
    /// Closed chats whose wrap-up holds a slot: id → `wrapUpUntil`.
    var wrapping: [Int64: String] = [:]
    /// The waiting chats of its departments, in queue order.
    var waiting: [JSON] = []
    /// The last message known of each chat.
    var lastMessage: [Int64: JSON] = [:]
    /// The first message of each waiting chat (what the contact came for), once read.
    var firstMessage: [Int64: JSON] = [:]
    /// Chats whose latest contact message arrived after the attendant last acted on them.
    var unread: Set<Int64> = []
    /// Chats whose last message was already asked for (so a chat with none is not asked again).
    var looked: Set<Int64> = []
    /// The activity log, oldest first, at most `maxNotes`.
    private(set) var notes: [Note] = []
    /// The last command's outcome, shown above the prompt.
    var status: (text: String, isError: Bool) = ("type 'help' for commands; Ctrl-C quits", false)
    /// Set when a push means the lists should be read again.
    var needsRefresh = false
    /// Set when the daemon ended the session.
    var endedReason: String?

    static let maxNotes = 500

    /// A desk for `me`.
    init(me: JSON) {
        self.me = me
        presence = me["presence"]?.stringValue ?? "online"
    }

    /// My attendant id.
    var myID: Int64 { me["id"]?.intValue ?? 0 }

    /// The attendant's maximum of open chats.
    var maxChats: Int64 { me["maxChats"]?.intValue ?? 0 }

    /// Adds a line to the activity log.
    mutating func note(_ text: String, _ tone: Note.Tone = .info, at time: Double = TimeText.now()) {
        notes.append(Note(time: time, text: text.replacingControlCharacters, tone: tone))
        if notes.count > Desk.maxNotes { notes.removeFirst(notes.count - Desk.maxNotes) }
    }

    /// Replaces the wrap-ups with a `conversation.wrapping` result (after a reload or a reconnection the pushes
    /// that announced them are gone).
    /// One already over by this terminal's clock is left out: with a clock ahead of the daemon's it would otherwise
    /// come back with each reload, and end again with a note, every second.
    mutating func load(wrapping result: JSON, now: Double = TimeText.now()) {
        wrapping = [:]
        for chat in result["conversations"]?.arrayValue ?? [] {
            guard let id = chat["id"]?.intValue, let until = chat["wrapUpUntil"]?.stringValue,
                  (TimeText.parse(until) ?? .infinity) > now else { continue }
            wrapping[id] = until
        }
    }

    /// Forgets the wrap-ups whose time ran out: the daemon frees such a slot by itself, and no push says so.
    mutating func expireWrapUps(now: Double) {
        let over = wrapping.filter { TimeText.parse($0.value).map { $0 <= now } ?? false }.keys.sorted()
        guard !over.isEmpty else { return }
        for id in over {
            wrapping[id] = nil
            note("wrap-up of #\(id) is over: the slot is free", .info)
        }
        needsRefresh = true
    }

    /// Replaces the lists with a queue.list result.
    mutating func load(queue: JSON) {
        let mine = queue["assigned"]?.arrayValue ?? []
        assigned = mine.filter { $0["state"]?.stringValue != "offered" }
        offers = mine.filter { $0["state"]?.stringValue == "offered" }
        waiting = queue["waiting"]?.arrayValue ?? []
        let open = Set(assigned.compactMap { $0["id"]?.intValue })
        unread.formIntersection(open)
    }

    /// One of my chats by id.
    func chat(_ id: Int64) -> JSON? { assigned.first { $0["id"]?.intValue == id } }

    /// Applies a push (`params` of an event notification).
    mutating func apply(event: JSON) {
        let conversation = event["conversation"] ?? .null
        let id = conversation["id"]?.intValue ?? 0
        let label = ConversationText.tag(conversation) + " " + ConversationText.contact(conversation)
        switch event["type"]?.stringValue ?? "" {
        case "conversation.offered":
            offers.removeAll { $0["id"]?.intValue == id }
            offers.append(conversation)
            waiting.removeAll { $0["id"]?.intValue == id }
            note("\(label) is offered to you: accept \(id) or decline \(id)", .alert)
        case "conversation.revoked":
            offers.removeAll { $0["id"]?.intValue == id }
            assigned.removeAll { $0["id"]?.intValue == id }
            unread.remove(id)
            let reason: String
            switch event["reason"]?.stringValue ?? "" {
            case "offer-expired": reason = "the offer expired"
            case "reply-timeout": reason = "nobody replied in time"
            case "offline": reason = "you were offline"
            case "away": reason = "you were set away for missing offers"
            case "rescinded": reason = "it was closed or transferred"
            case let other: reason = other
            }
            note("\(label) went back to the queue: \(reason)", .alert)
            needsRefresh = true
        case "presence.changed":
            presence = event["presence"]?.stringValue ?? presence
            let tone: Note.Tone = presence == "online" ? .info : .alert
            switch event["reason"]?.stringValue {
            case "missed-offers":
                note("you are now \(presence) (offers ran out unanswered); type online to take chats again", .alert)
            case "hours":
                note("your presence is now \(presence) (working hours)", tone)
            case "presence.set":
                note("your presence is now \(presence) (set in another window)", tone)
            default:
                note("your presence is now \(presence)", tone)
            }
        case "conversation.assigned":
            offers.removeAll { $0["id"]?.intValue == id }
            upsertAssigned(conversation)
            waiting.removeAll { $0["id"]?.intValue == id }
            let department = conversation["department"]?.stringValue.map { " from \($0)" } ?? ""
            note("\(label) was assigned to you\(department)", .alert)
            needsRefresh = true
        case "conversation.message":
            let message = event["message"] ?? .null
            lastMessage[id] = message
            unread.insert(id)
            upsertAssigned(conversation)
            note("\(label): \(message["text"]?.stringValue ?? "")", .incoming)
        case "conversation.updated":
            // Declined or wrapped up from another connection: gone from here too, unless offered here again.
            let offeredHere = conversation["state"]?.stringValue == "offered"
                && conversation["attendantId"]?.intValue == me["id"]?.intValue
            if !offeredHere && offers.contains(where: { $0["id"]?.intValue == id }) {
                offers.removeAll { $0["id"]?.intValue == id }
                note("\(label): the offer was answered from another session", .info)
            }
            if conversation["wrapUpUntil"] == nil && wrapping[id] != nil {
                wrapping[id] = nil
                note("wrap-up of \(label) was finished from another session", .info)
            }
        case "conversation.replied":
            // Sent by this attendant from another connection (the panel, a phone).
            let message = event["message"] ?? .null
            lastMessage[id] = message
            unread.remove(id)
            upsertAssigned(conversation)
            note("\(label), you from another session: \(message["text"]?.stringValue ?? "")", .outgoing)
        case "conversation.closed":
            let removed = conversation["state"]?.stringValue == "removed"
            assigned.removeAll { $0["id"]?.intValue == id }
            offers.removeAll { $0["id"]?.intValue == id }
            unread.remove(id)
            note("\(label) was \(removed ? "removed" : "closed")", .info)
            if let until = conversation["wrapUpUntil"]?.stringValue {
                wrapping[id] = until
                note("wrap-up of #\(id) holds a slot until \(TimeText.shortClock(until)); done \(id) ends it", .info)
            }
            needsRefresh = true
        case "conversation.transferred":
            assigned.removeAll { $0["id"]?.intValue == id }
            unread.remove(id)
            note("\(label) was transferred away", .info)
            needsRefresh = true
        case "queue.changed":
            needsRefresh = true
        case "system.changed":
            // The daemon's zone changed with a reload: times from now on are shown in it.
            TimeText.useDaemonZone(event["timezone"]?.stringValue ?? "")
        case "session.ended":
            endedReason = event["reason"]?.stringValue ?? "ended"
            note("the daemon ended this session: \(endedReason!)", .error)
        default:
            break
        }
    }

    /// Puts (or updates) a chat in `assigned`, keeping the order.
    mutating func upsertAssigned(_ conversation: JSON) {
        guard let id = conversation["id"]?.intValue, conversation["state"]?.stringValue == "assigned" else { return }
        if let index = assigned.firstIndex(where: { $0["id"]?.intValue == id }) {
            assigned[index] = conversation
        } else {
            assigned.append(conversation)
        }
    }
}
