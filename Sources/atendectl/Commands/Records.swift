// Commands for the rest of the protocol's records: `potentials remove`, `route` (a potential or a waiting chat
// into a department's queue), `contacts` (the bot's agenda), and the account steps `attendant unlock` and
// `attendant delete` (contract v2). Each acts as admin, or as an attendant with --login where the protocol lets
// attendants do it (potentials remove and contacts, when the account settings allow).

import AtendeProtocol

/// `potentials remove`, `route`, `contacts`, `attendant unlock|delete`.
enum RecordCommands {
    static let loginOption = OptionSpec.value("login", "LOGIN", "act as this attendant instead of as admin")

    static let all: [Command] = [
        Command(["potentials", "remove"], "ID [--login LOGIN]",
                summary: "remove a potential chat (one that has no department yet)",
                details: """
                    As admin, or as an attendant when the setting attendantsCanRemovePotentials is on.

                    examples:
                      atendectl potentials remove 12
                      atendectl potentials remove 12 --login ana@example.com
                    """,
                options: [loginOption], run: removePotential),
        Command(["route"], "ID DEPARTMENT",
                summary: "put a potential (or a waiting chat) in a department's queue (admin)",
                details: """
                    The chat joins the back of the department's queue and is routed at once when someone can take
                    it. DEPARTMENT is the department's id (see: atendectl department list).

                    examples:
                      atendectl route 12 sales
                    """,
                arguments: [.none, .department], run: route),
        Command(["contacts"], "[QUERY] [--limit N] [--login LOGIN]",
                summary: "list the bot's contacts, optionally those matching QUERY",
                details: """
                    As admin, or as an attendant when the setting attendantsCanViewBotContacts is on.

                    examples:
                      atendectl contacts
                      atendectl contacts maria --limit 20
                    """,
                options: [.value("limit", "N", "at most N contacts"), loginOption], run: contacts),
        Command(["attendant", "unlock"], "ID|LOGIN",
                summary: "let an attendant locked out by failed logins try again now",
                details: """
                    After 5 failed logins within 15 minutes a login is refused for a while; 'attendant show' says
                    until when. This clears the count.

                    examples:
                      atendectl attendant unlock ana@example.com
                    """,
                run: unlock),
        Command(["attendant", "delete"], "ID|LOGIN",
                summary: "delete an attendant that has no open chat (its login becomes free)",
                details: """
                    Refused while the attendant has open chats: close or transfer them first. Closed chats keep
                    the attendant's id in their history; the id is never given to anyone else.

                    examples:
                      atendectl attendant delete 7
                    """,
                run: delete),
    ]

    static func removePotential(_ run: Invocation) throws {
        let id = try run.arguments.conversationID(0)
        try run.arguments.expectPositionals(atMost: 1)
        try run.adminOrAttendant()
        let result = try run.call("potentials.remove", ["id": .int(id)])
        run.emit(result) { Output.line("removed potential #\(id)") }
    }

    static func route(_ run: Invocation) throws {
        let id = try run.arguments.conversationID(0)
        let department = try run.arguments.positional(1, "DEPARTMENT")
        try run.arguments.expectPositionals(atMost: 2)
        try run.admin()
        let conversation: JSON
        do {
            conversation = try run.call("conversation.route", ["id": .int(id), "department": .string(department)])
        } catch let error {
            throw try DepartmentHint.explain(error, department: department, run)
        }
        run.emit(conversation) {
            Output.line("routed \(ConversationText.describe(conversation))")
            DepartmentHint.warnIfWaiting(conversation)
        }
    }

    static func contacts(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 1)
        var params: JSONObject = [:]
        if let query = run.arguments.positionals.first { params["query"] = .string(query) }
        if let limit = try run.arguments.int("limit", in: 1...10_000) { params["limit"] = .int(Int64(limit)) }
        try run.adminOrAttendant()
        let result = try run.call("contacts.list", .object(params))
        run.emit(result) {
            let list = result["contacts"]?.arrayValue ?? []
            guard !list.isEmpty else { return Output.line("no contacts") }
            var table = Table([.fixed("phone"), .flexible("name"), .fixed("updated")])
            for contact in list {
                table.add([contact["phone"]?.stringValue ?? "", contact["name"]?.stringValue ?? "",
                           contact["updatedAt"]?.stringValue.map(TimeText.local) ?? "-"])
            }
            Output.line(table.render(width: run.width))
        }
    }

    static func unlock(_ run: Invocation) throws {
        let target = try run.arguments.positional(0, "attendant ID or login")
        try run.arguments.expectPositionals(atMost: 1)
        try run.admin()
        let id = try AttendantCommands.resolve(target, run)
        let result = try run.call("attendant.unlock", ["id": .int(id)])
        run.emit(result) { Output.line("unlocked attendant \(id): the login works again") }
    }

    static func delete(_ run: Invocation) throws {
        let target = try run.arguments.positional(0, "attendant ID or login")
        try run.arguments.expectPositionals(atMost: 1)
        try run.admin()
        let id = try AttendantCommands.resolve(target, run)
        let result = try run.call("attendant.delete", ["id": .int(id)])
        run.emit(result) { Output.line("deleted attendant \(id)") }
    }
}
