// Chat commands: the attendant's work one step at a time — queue, take, reply, transfer, close, history. Each
// logs in on its own connection first (see LoginCommand.sessionNote); close, transfer and history also work as
// admin when no login is given, as the protocol allows.

import AtendeProtocol

/// `queue`, `take`, `reply`, `transfer`, `close`, `history`.
enum ChatCommands {
    static let loginOption = OptionSpec.value("login", "LOGIN", "the attendant to act as (default: $ATENDE_LOGIN)")

    static let all: [Command] = [
        Command(["queue"], "--login LOGIN [--limit N]",
                summary: "an attendant's open chats and the waiting chats of its departments",
                details: """
                    \(LoginCommand.sessionNote)

                    examples:
                      atendectl queue --login ana@example.com
                      ATENDE_LOGIN=ana@example.com ATENDE_PASSWORD=... atendectl queue --json
                    """,
                options: [loginOption, .value("limit", "N", "at most N waiting chats")],
                run: queue),
        Command(["take"], "ID --login LOGIN",
                summary: "take a waiting chat of one of your departments",
                details: "\(LoginCommand.sessionNote)\n\nexamples:\n  atendectl take 12 --login ana@example.com",
                options: [loginOption], run: take),
        Command(["reply"], "ID TEXT... --login LOGIN",
                summary: "send a message to the contact of one of your chats",
                details: """
                    The text is the words after ID; '-' reads it from stdin instead (after the password line,
                    when the password also comes from stdin). Quote or use -- for text that starts with '-'.

                    \(LoginCommand.sessionNote)

                    examples:
                      atendectl reply 12 "Hi Maria, how can I help?" --login ana@example.com
                      atendectl reply 12 --login ana@example.com -- -10% off today
                      echo "long text" | ATENDE_PASSWORD=... atendectl reply 12 - --login ana@example.com
                    """,
                options: [loginOption], run: reply),
        Command(["transfer"], "ID DEPARTMENT | ID --to ATTENDANT [--department ID]",
                summary: "send one of your chats to another department's queue, or straight to an attendant",
                details: """
                    With DEPARTMENT the chat joins the back of that queue and is routed (you are passed over when
                    someone else can take it). With --to it goes to that attendant, who must be logged in, serve
                    the department and have room; ATTENDANT is a number, a login or a name (as an attendant, of a
                    colleague sharing a department). Without --login this acts as admin.

                    \(LoginCommand.sessionNote)

                    examples:
                      atendectl transfer 12 billing --login ana@example.com
                      atendectl transfer 12 --to rui@example.com --login ana@example.com
                    """,
                options: [loginOption,
                          .value("to", "ATTENDANT", "the attendant to hand the chat to (number, login or name)"),
                          .value("department", "ID", "the department, with --to")],
                arguments: [.none, .department], run: transfer),
        Command(["close"], "ID [--login LOGIN]",
                summary: "close one of your chats (any chat, as admin without --login)",
                details: "\(LoginCommand.sessionNote)\n\nexamples:\n  atendectl close 12 --login ana@example.com"
                    + "\n  atendectl close 12",
                options: [loginOption], run: close),
        Command(["history"], "ID [--limit N] [--login LOGIN]",
                summary: "the messages of a chat, oldest first (as admin without --login)",
                details: "examples:\n  atendectl history 12 --limit 20 --login ana@example.com\n  atendectl history 12",
                options: [loginOption, .value("limit", "N", "only the last N messages")],
                run: history),
    ]

    static func queue(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        var params: JSONObject = [:]
        if let limit = try run.arguments.int("limit", in: 1...100_000) { params["limit"] = .int(Int64(limit)) }
        try run.attendant()
        let queue = try run.call("queue.list", .object(params))
        run.emit(queue) {
            let assigned = queue["assigned"]?.arrayValue ?? []
            let waiting = queue["waiting"]?.arrayValue ?? []
            Output.line("your chats (\(assigned.count)):")
            if !assigned.isEmpty {
                Output.line(ConversationText.table(assigned, timeTitle: "assigned", timeKey: "assignedAt")
                    .render(width: run.width))
            }
            Output.line("\nwaiting in your departments (\(waiting.count)):")
            if !waiting.isEmpty {
                Output.line(ConversationText.table(waiting, timeTitle: "waiting", timeKey: "queuedAt")
                    .render(width: run.width))
            }
        }
    }

    static func take(_ run: Invocation) throws {
        let id = try run.arguments.conversationID(0)
        try run.arguments.expectPositionals(atMost: 1)
        try run.attendant()
        let conversation = try run.call("conversation.take", ["id": .int(id)])
        run.emit(conversation) { Output.line("took \(ConversationText.describe(conversation))") }
    }

    static func reply(_ run: Invocation) throws {
        let id = try run.arguments.conversationID(0)
        let words = Array(run.arguments.positionals.dropFirst())
        guard !words.isEmpty else { throw Failure.usage("missing TEXT (the words after the chat ID, or - for stdin)") }
        try run.attendant()
        var text = words.joined(separator: " ")
        if words == ["-"] {
            var lines: [String] = []
            while let line = readLine(strippingNewline: true) { lines.append(line) }
            text = lines.joined(separator: "\n")
        }
        guard !text.trimmed.isEmpty else { throw Failure.usage("the text is empty") }
        let result = try run.call("conversation.reply", ["id": .int(id), "text": .string(text)])
        run.emit(result) {
            Output.line("replied to \(result["conversation"].map(ConversationText.describe) ?? "#\(id)")")
        }
    }

    static func transfer(_ run: Invocation) throws {
        let id = try run.arguments.conversationID(0)
        var params: JSONObject = ["id": .int(id)]
        if let to = run.arguments.value("to") {
            try run.arguments.expectPositionals(atMost: 1)
            try run.adminOrAttendant()
            params["attendantId"] = .int(try colleague(to, run))
            if let department = run.arguments.value("department") { params["department"] = .string(department) }
        } else {
            let department = try run.arguments.value("department")
                ?? run.arguments.positional(1, "DEPARTMENT (or --to ATTENDANT_ID)")
            try run.arguments.expectPositionals(atMost: run.arguments.value("department") == nil ? 2 : 1)
            params["department"] = .string(department)
        }
        if run.arguments.value("to") == nil { try run.adminOrAttendant() }
        let conversation: JSON
        do {
            conversation = try run.call("conversation.transfer", .object(params))
        } catch let error {
            guard let department = params["department"]?.stringValue else { throw error }
            throw try DepartmentHint.explain(error, department: department, run)
        }
        run.emit(conversation) {
            DepartmentHint.warnIfWaiting(conversation)
            let where_ = conversation["attendantId"]?.intValue.flatMap { attendant in
                conversation["state"]?.stringValue == "assigned" ? "now with attendant \(attendant)" : nil
            } ?? "waiting in the queue"
            Output.line("transferred \(ConversationText.describe(conversation)): \(where_)")
        }
    }

    /// The attendant named by `text` (a number, a login or a name): among the colleagues sharing a department
    /// when acting as an attendant (attendant.colleagues), among all attendants as admin.
    static func colleague(_ text: String, _ run: Invocation) throws -> Int64 {
        if let id = Int64(text.hasPrefix("#") ? String(text.dropFirst()) : text), id > 0 { return id }
        guard run.attendantLogin != nil else { return try AttendantCommands.resolve(text, run) }
        let list = try run.call("attendant.colleagues")["attendants"]?.arrayValue ?? []
        let wanted = text.lowercased()
        let matches = list.filter {
            $0["login"]?.stringValue?.lowercased() == wanted || $0["name"]?.stringValue?.lowercased() == wanted
        }
        guard matches.count == 1, let id = matches[0]["id"]?.intValue else {
            let names = list.map { "\($0["name"]?.stringValue ?? "") <\($0["login"]?.stringValue ?? "")>" }
            throw Failure.usage("no single colleague '\(text)' in your departments"
                + (names.isEmpty ? "" : " (colleagues: \(names.joined(separator: ", ")))"))
        }
        return id
    }

    static func close(_ run: Invocation) throws {
        let id = try run.arguments.conversationID(0)
        try run.arguments.expectPositionals(atMost: 1)
        try run.adminOrAttendant()
        let conversation = try run.call("conversation.close", ["id": .int(id)])
        run.emit(conversation) { Output.line("closed \(ConversationText.describe(conversation))") }
    }

    static func history(_ run: Invocation) throws {
        let id = try run.arguments.conversationID(0)
        try run.arguments.expectPositionals(atMost: 1)
        var params: JSONObject = ["id": .int(id), "authors": true]
        if let limit = try run.arguments.int("limit", in: 1...10_000) { params["limit"] = .int(Int64(limit)) }
        var me: Int64?
        if run.attendantLogin != nil { me = try run.attendant()["id"]?.intValue } else { try run.admin() }
        let result = try run.call("conversation.history", .object(params))
        run.emit(result) {
            let messages = result["messages"]?.arrayValue ?? []
            let transfers = result["transfers"]?.arrayValue ?? []
            guard !messages.isEmpty || !transfers.isEmpty else { return Output.line("no messages in #\(id)") }
            // Messages and transfers in time order (timestamps of one format compare as text).
            var entries: [(at: String, line: String)] = messages.map { message in
                (message["at"]?.stringValue ?? "", ConversationText.message(
                    message, attendantLabel: ConversationText.author(message, me: me), indent: "      "))
            }
            entries += transfers.map { ($0["at"]?.stringValue ?? "", "-- " + ConversationText.transfer($0, me: me)) }
            for entry in entries.enumerated().sorted(by: { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }) {
                Output.line(entry.element.line)
            }
        }
    }
}
