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
            report("declined #\(id): back to its queue, offered to you again only if nobody else can take it")
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
            if let conversation = result["conversation"] { desk.upsertAssigned(conversation) }  // its reply clock stops
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
            let result = try client.call("conversation.history", ["id": .int(id), "limit": 20, "authors": true])
            let messages = result["messages"]?.arrayValue ?? []
            desk.note("#\(id): the last \(messages.count) message(s)")
            for transfer in result["transfers"]?.arrayValue ?? [] {
                desk.note("#\(id) " + ConversationText.transfer(transfer, me: desk.myID))
            }
            for message in messages {
                let label = ConversationText.author(message, me: desk.myID)
                desk.note("#\(id) " + ConversationText.message(message, attendantLabel: label),
                          label == "you" ? .outgoing : .incoming)
            }
            desk.unread.remove(id)
            desk.status = ("history of #\(id) is under Activity", false)
        case "away", "online":
            let result = try client.call("presence.set", ["presence": .string(verb)])
            desk.presence = result["presence"]?.stringValue ?? verb
            report("presence: \(desk.presence)")
        case "colleagues":
            let list = try client.call("attendant.colleagues")["attendants"]?.arrayValue ?? []
            desk.note(list.isEmpty ? "nobody else serves your departments" : "colleagues (transfer ID @LOGIN):")
            for person in list {
                desk.note("  \(person["name"]?.stringValue ?? "") <\(person["login"]?.stringValue ?? "")> "
                    + "#\(person["id"]?.intValue ?? 0), \(person["presence"]?.stringValue ?? "?"), "
                    + AttendantCommands.departments(person))
            }
            desk.status = ("colleagues are listed under Activity", false)
        case "refresh":
            desk.looked.removeAll()
            try load()
            desk.status = ("lists read again", false)
        case "help", "?":
            for helpLine in AttendCommand.shortHelp { desk.note(helpLine) }
            desk.status = ("the commands are listed under Activity", false)
        case "quit", "exit", "q":
            running = false
        default:
            throw Failure.usage("unknown command '\(verb)'; type help")
        }
    }

    func transfer(_ words: [String]) throws {
        let usage = "transfer ID DEPARTMENT | transfer ID @LOGIN|@NAME|@NUMBER [DEPARTMENT]"
        let id = try chatID(words, usage: usage)
        guard words.count >= 3 else { throw Failure.usage("usage: " + usage) }
        var params: JSONObject = ["id": .int(id)]
        var whom = ""
        if words[2].hasPrefix("@") {
            // A name may have spaces: everything after '@' up to a last word that is a department id.
            var who = String(words[2...].joined(separator: " ").dropFirst()).trimmed
            let departments = (desk.me["departments"]?.arrayValue ?? []).compactMap(\.stringValue)
            if words.count > 3, let last = words.last, departments.contains(last) {
                params["department"] = .string(last)
                who = String(who.dropLast(last.count)).trimmed
            }
            let colleague = try resolveColleague(who)
            params["attendantId"] = .int(colleague.id)
            whom = colleague.name
        } else {
            guard words.count == 3 else { throw Failure.usage("usage: transfer ID DEPARTMENT") }
            params["department"] = .string(words[2])
        }
        let chat = try client.call("conversation.transfer", .object(params))
        desk.assigned.removeAll { $0["id"]?.intValue == id }
        desk.unread.remove(id)
        desk.needsRefresh = true
        let target = params["attendantId"] != nil ? whom : "the \(words[2]) queue"
        let now = chat["state"]?.stringValue == "assigned"
            ? "now with \(whom.isEmpty ? "attendant \(chat["attendantId"]?.intValue ?? 0)" : whom)"
            : "waiting: nobody in \(chat["department"]?.stringValue ?? "it") can take it now"
        report("transferred \(ConversationText.tag(chat)) \(ConversationText.contact(chat)) to \(target): \(now)")
    }

    /// The colleague named by `who`: a number, a login, or a name (whole, or the unique one starting so).
    func resolveColleague(_ who: String) throws -> (id: Int64, name: String) {
        let list = try client.call("attendant.colleagues")["attendants"]?.arrayValue ?? []
        let people = list.compactMap { item -> (id: Int64, name: String, login: String)? in
            guard let id = item["id"]?.intValue else { return nil }
            return (id, item["name"]?.stringValue ?? "", item["login"]?.stringValue ?? "")
        }
        let wanted = who.lowercased()
        if let number = Int64(who.hasPrefix("#") ? String(who.dropFirst()) : who) {
            return (number, people.first { $0.id == number }?.name ?? "attendant \(number)")
        }
        if let exact = people.first(where: { $0.login.lowercased() == wanted || $0.name.lowercased() == wanted }) {
            return (exact.id, exact.name)
        }
        let partial = people.filter {
            $0.name.lowercased().hasPrefix(wanted) || $0.login.lowercased().hasPrefix(wanted)
        }
        if partial.count == 1 { return (partial[0].id, partial[0].name) }
        let names = (partial.isEmpty ? people : partial).map { "\($0.name) <\($0.login)>" }.joined(separator: ", ")
        throw Failure.usage(partial.isEmpty
            ? "no colleague '\(who)' in your departments" + (names.isEmpty ? "" : " (colleagues: \(names))")
            : "'\(who)' could be \(names): give the login")
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
