// DeskCommands: what the lines typed in `attend` do — take, reply, transfer, close, history, away, online,
// refresh, help, quit. Each is one request on the session's connection; its outcome goes to the status line and
// the activity log, and a refused request shows the daemon's error without ending the session.

import AtendeProtocol

extension AttendSession {
    /// Runs one command line.
    func execute(_ line: String) throws {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let verb = words.first?.lowercased() else { return }
        switch verb {
        case "take", "t":
            let id = try chatID(words, usage: "take ID")
            let chat = try client.call("conversation.take", ["id": .int(id)])
            desk.upsertAssigned(chat)
            desk.waiting.removeAll { $0["id"]?.intValue == id }
            desk.needsRefresh = true
            report("took \(ConversationText.describe(chat))")
        case "accept", "a":
            let id = try chatID(words, usage: "accept ID")
            let chat = try client.call("conversation.accept", ["id": .int(id)])
            desk.offers.removeAll { $0["id"]?.intValue == id }
            desk.upsertAssigned(chat)
            report("accepted \(ConversationText.describe(chat))")
        case "decline", "d":
            let id = try chatID(words, usage: "decline ID")
            try client.call("conversation.decline", ["id": .int(id)])
            desk.offers.removeAll { $0["id"]?.intValue == id }
            desk.needsRefresh = true
            report("declined #\(id): it goes to someone else")
        case "done", "finish":
            let id = try chatID(words, usage: "done ID")
            try client.call("conversation.finishWrapUp", ["id": .int(id)])
            desk.wrapping[id] = nil
            desk.needsRefresh = true
            report("wrap-up of #\(id) finished: the slot is free")
        case "reply", "r":
            let id = try chatID(words, usage: "reply ID TEXT")
            let text = rest(of: line, after: 2)
            guard !text.trimmed.isEmpty else { throw Failure.usage("usage: reply ID TEXT") }
            let result = try client.call("conversation.reply", ["id": .int(id), "text": .string(text)])
            if let message = result["message"] { desk.lastMessage[id] = message }
            desk.unread.remove(id)
            desk.note("#\(id) you: \(text)", .outgoing)
            desk.status = ("replied to #\(id)", false)
        case "transfer", "tr":
            try transfer(words)
        case "close", "c":
            let id = try chatID(words, usage: "close ID")
            let chat = try client.call("conversation.close", ["id": .int(id)])
            desk.assigned.removeAll { $0["id"]?.intValue == id }
            desk.unread.remove(id)
            desk.needsRefresh = true
            report("closed \(ConversationText.describe(chat))")
        case "history", "h":
            let id = try chatID(words, usage: "history ID")
            let result = try client.call("conversation.history", ["id": .int(id), "limit": 20])
            let messages = result["messages"]?.arrayValue ?? []
            desk.note("#\(id): the last \(messages.count) message(s)")
            for message in messages {
                let mine = message["from"]?.stringValue == "attendant"
                desk.note("#\(id) " + ConversationText.message(message, attendantLabel: "you"),
                          mine ? .outgoing : .incoming)
            }
            desk.unread.remove(id)
            desk.status = ("history of #\(id) is under Activity", false)
        case "away", "online":
            let result = try client.call("presence.set", ["presence": .string(verb)])
            desk.presence = result["presence"]?.stringValue ?? verb
            report("presence: \(desk.presence)")
        case "refresh":
            desk.looked.removeAll()
            try load()
            desk.status = ("lists read again", false)
        case "help", "?":
            for helpLine in AttendCommand.help.split(separator: "\n") { desk.note(String(helpLine)) }
            desk.status = ("the commands are listed under Activity", false)
        case "quit", "exit", "q":
            running = false
        default:
            throw Failure.usage("unknown command '\(verb)'; type help")
        }
    }

    func transfer(_ words: [String]) throws {
        let id = try chatID(words, usage: "transfer ID DEPARTMENT | transfer ID @ATTENDANT [DEPARTMENT]")
        guard words.count >= 3, words.count <= 4 else {
            throw Failure.usage("usage: transfer ID DEPARTMENT | transfer ID @ATTENDANT [DEPARTMENT]")
        }
        var params: JSONObject = ["id": .int(id)]
        if words[2].hasPrefix("@") {
            guard let attendant = Int64(words[2].dropFirst()) else {
                throw Failure.usage("@ATTENDANT is an attendant's number, e.g. @9")
            }
            params["attendantId"] = .int(attendant)
            if words.count == 4 { params["department"] = .string(words[3]) }
        } else {
            guard words.count == 3 else { throw Failure.usage("usage: transfer ID DEPARTMENT") }
            params["department"] = .string(words[2])
        }
        let chat = try client.call("conversation.transfer", .object(params))
        desk.assigned.removeAll { $0["id"]?.intValue == id }
        desk.unread.remove(id)
        desk.needsRefresh = true
        let target = params["attendantId"].map { "attendant \($0)" } ?? "the \(words[2]) queue"
        let now = chat["state"]?.stringValue == "assigned"
            ? "now with attendant \(chat["attendantId"]?.intValue ?? 0)" : "waiting"
        report("transferred \(ConversationText.tag(chat)) \(ConversationText.contact(chat)) to \(target): \(now)")
    }

    /// The chat id in `words[1]` (`12` or `#12`).
    func chatID(_ words: [String], usage: String) throws(Failure) -> Int64 {
        guard words.count >= 2 else { throw .usage("usage: \(usage)") }
        let text = words[1].hasPrefix("#") ? String(words[1].dropFirst()) : words[1]
        guard let id = Int64(text), id > 0 else { throw .usage("'\(words[1])' is not a chat ID; usage: \(usage)") }
        return id
    }

    /// The text of `line` after its first `count` words, spacing kept.
    func rest(of line: String, after count: Int) -> String {
        var remaining = Substring(line)
        for _ in 0..<count {
            remaining = remaining.drop { $0 == " " }
            remaining = remaining.drop { $0 != " " }
        }
        return String(remaining.dropFirst())
    }

    /// Shows `text` on the status line and in the activity log.
    func report(_ text: String) {
        desk.status = (text, false)
        desk.note(text)
    }
}
