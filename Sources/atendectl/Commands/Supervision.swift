// Supervision commands (contract v2): `conversation list` (every chat, newest first, with how long it waited for
// a reply, and a flag on chats held by an attendant who is offline), `report` (the service-level table per
// department and per attendant from stats.get), and `settings holidays list|add|remove` (the account's days off,
// read and written whole through settings.get and settings.update).

import AtendeProtocol

/// `conversation list`, `report`, `settings holidays ...`.
enum SupervisionCommands {
    static let all: [Command] = [
        Command(["conversation", "list"],
                "[--state STATE] [--department ID] [--attendant ID|LOGIN] [--limit N] [--before ID]",
                summary: "list conversations, newest first, with their wait for a reply (admin)",
                details: """
                    WAITED is how long the chat waited for an attendant's first reply (still counting while it
                    has none). A chat held by an attendant who is offline is flagged "offline!": nobody is
                    answering it. --before ID pages on: pass the last id shown.

                    examples:
                      atendectl conversation list --state assigned
                      atendectl conversation list --department sales --limit 50 --before 1200
                    """,
                options: [.value("state", "STATE", "potential, queued, offered, assigned, closed or removed"),
                          .value("department", "ID", "only this department"),
                          .value("attendant", "ID|LOGIN", "only this attendant's chats"),
                          .value("limit", "N", "at most N chats (default 100)"),
                          .value("before", "ID", "only ids below ID (the next page)")],
                run: list),
        Command(["conversation", "priority"], "ID LEVEL",
                summary: "set a waiting chat's priority, 0 (normal) to 9 (admin)",
                details: """
                    A chat of priority P waits in its queue as if it had come P x the department's priority step
                    earlier (atendectl department list shows the step when it is not 600 s).

                    examples:
                      atendectl conversation priority 1234 5
                    """,
                run: priority),
        Command(["conversation", "position"], "ID",
                summary: "where a waiting chat stands in its queue, and the estimated wait (admin)",
                details: """
                    The position is 1-based in the queue's order; the estimate follows the department's recent
                    answer times and who can take chats now (docs/protocol.md says how).

                    examples:
                      atendectl conversation position 1234
                      atendectl conversation position 1234 --json
                    """,
                run: position),
        Command(["report"], "[--since TIME]",
                summary: "service level per department and per attendant (admin)",
                details: """
                    Over the chats that first joined a queue since TIME (ISO 8601, or a date YYYY-MM-DD for its
                    midnight in atendectl's zone, $ATENDE_TIMEZONE or $TZ, else the daemon's; default: the
                    daemon's midnight of today): served and abandoned chats, the service level (answered
                    within the department's target over served plus abandoned), and the average answer,
                    first-reply and handle times; per attendant, the offers accepted, declined and let expire.

                    examples:
                      atendectl report
                      atendectl report --since 2026-12-01
                      atendectl report --since 2026-12-01T00:00:00-03:00 --json
                    """,
                options: [.value("since", "TIME", "count chats first queued from this time")],
                run: report),
        Command(["settings", "holidays", "list"], "",
                summary: "list the account's holidays (days off for attendants with working hours)",
                details: "examples:\n  atendectl settings holidays list",
                run: holidaysList),
        Command(["settings", "holidays", "add"], "DATE NAME...",
                summary: "add a holiday: a day off for every attendant whose hours are not \"always\" (admin)",
                details: """
                    DATE is YYYY-MM-DD, a local date in each attendant's time zone. An attendant's own exception
                    for that date (hours.exceptions) wins over the holiday.

                    examples:
                      atendectl settings holidays add 2026-12-25 Natal
                    """,
                run: holidaysAdd),
        Command(["settings", "holidays", "remove"], "DATE",
                summary: "remove a holiday (admin)",
                details: "examples:\n  atendectl settings holidays remove 2026-12-25",
                run: holidaysRemove),
    ]

    static func list(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        var params: JSONObject = [:]
        if let state = run.arguments.value("state") { params["state"] = .string(state) }
        let department = run.arguments.value("department")
        if let department { params["department"] = .string(department) }
        if let limit = try run.arguments.int("limit", in: 1...10_000) { params["limit"] = .int(Int64(limit)) }
        if let before = try run.arguments.int("before", in: 1...Int.max) { params["before"] = .int(Int64(before)) }
        try run.admin()
        // The attendants name the ATTENDANT column and tell who is offline. A login must be one (it is resolved to
        // an id); a number goes as it is: the chats of a deleted attendant or department keep its id.
        let attendants = try run.call("attendant.list")["attendants"]?.arrayValue ?? []
        if let target = run.arguments.value("attendant") {
            params["attendantId"] = .int(try AttendantCommands.resolve(target, run))
        }
        let result = try run.call("conversation.list", .object(params))
        var unknown: [String] = []  // said when nothing is listed: a typo reads as an empty list otherwise
        if (result["conversations"]?.arrayValue ?? []).isEmpty {
            if let id = params["attendantId"]?.intValue, !attendants.contains(where: { $0["id"]?.intValue == id }) {
                unknown.append("no attendant \(id) exists now")
            }
            if let department, !(try run.call("department.list")["departments"]?.arrayValue ?? [])
                .contains(where: { $0["id"]?.stringValue == department }) {
                unknown.append("no department '\(department)' exists now")
            }
        }
        let list = result["conversations"]?.arrayValue ?? []
        var presence: [Int64: String] = [:]
        var names: [Int64: String] = [:]
        for attendant in attendants {
            guard let id = attendant["id"]?.intValue else { continue }
            presence[id] = AttendantCommands.presence(attendant)
            names[id] = attendant["name"]?.stringValue
        }
        run.emit(result) {
            guard !list.isEmpty else {
                let why = unknown.isEmpty ? "" : " (\(unknown.joined(separator: "; ")))"
                return Output.line("no conversations" + why)
            }
            var table = Table([.fixed("id", right: true), .fixed("state"), .fixed("department"),
                               .flexible("contact"), .flexible("attendant"), .fixed("prio", right: true),
                               .fixed("waited", right: true), .fixed("flag")])
            for chat in list {
                let attendant = chat["attendantId"]?.intValue
                let state = chat["state"]?.stringValue ?? "?"
                let open = ["queued", "offered", "assigned", "potential"].contains(state)
                let offline = open && attendant.map { ["offline", "inactive"].contains(presence[$0] ?? "") } == true
                // A chat removed or closed before anyone answered never waited for a reply: no figure.
                let answered = open || chat["firstReplyAt"]?.stringValue != nil
                var department = chat["department"]?.stringValue ?? "-"
                if let from = chat["overflowedFrom"]?.stringValue { department += " (from \(from))" }
                table.add([String(chat["id"]?.intValue ?? 0), state, department, ConversationText.contact(chat),
                           attendant.map { names[$0] ?? "#\($0)" } ?? "-", String(chat["priority"]?.intValue ?? 0),
                           answered ? (chat["replyWaitSeconds"]?.doubleValue).map(TimeText.duration) ?? "-" : "-",
                           offline ? "offline!" : ""])
            }
            Output.line(table.render(width: run.width))
        }
    }

    static func priority(_ run: Invocation) throws {
        let id = try run.arguments.conversationID(0)
        let text = try run.arguments.positional(1, "LEVEL")
        try run.arguments.expectPositionals(atMost: 2)
        guard let level = Int64(text), (0...9).contains(level) else {
            throw Failure.usage("LEVEL must be a priority from 0 (normal) to 9, not '\(text)'")
        }
        try run.admin()
        let chat = try run.call("conversation.setPriority", ["id": .int(id), "priority": .int(level)])
        run.emit(chat) { Output.line("#\(id) now has priority \(level)") }
    }

    static func position(_ run: Invocation) throws {
        let id = try run.arguments.conversationID(0)
        try run.arguments.expectPositionals(atMost: 1)
        try run.admin()
        let standing = try run.call("conversation.position", ["id": .int(id)])
        run.emit(standing) {
            let place = standing["position"]?.intValue ?? 0, waiting = standing["waiting"]?.intValue ?? 0
            var text = "#\(id) is \(place) of \(waiting) waiting"
            if let wait = standing["estimatedWaitSeconds"]?.doubleValue {
                text += ", estimated wait \(TimeText.duration(wait))"
            } else {
                text += ", no estimate (nobody can take chats now)"
            }
            if let opens = standing["opensAt"]?.stringValue { text += ", opens at \(TimeText.local(opens))" }
            Output.line(text)
        }
    }

    static func report(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        var params: JSONObject = [:]
        try run.admin()  // first: a date's midnight is the daemon's zone's
        if let since = run.arguments.value("since") { params["since"] = .string(TimeText.startOfDay(since) ?? since) }
        let stats = try run.call("stats.get", .object(params))
        let attendants = stats["attendants"]?.objectValue ?? [:]
        var names: [String: String] = [:]
        if !attendants.isEmpty {
            for attendant in try run.call("attendant.list")["attendants"]?.arrayValue ?? [] {
                if let id = attendant["id"]?.intValue { names[String(id)] = attendant["name"]?.stringValue }
            }
        }
        run.emit(stats) {
            let departments = stats["departments"]?.objectValue ?? [:]
            Output.line(departmentReport(departments).render(width: run.width))
            if !attendants.isEmpty {
                Output.line("\n" + attendantReport(attendants, names: names).render(width: run.width))
            }
        }
    }

    /// The service-level table of the departments.
    static func departmentReport(_ departments: JSONObject) -> Table {
        var table = Table([.flexible("department"), .fixed("served", right: true), .fixed("abandoned", right: true),
                           .fixed("service level", right: true), .fixed("answer", right: true),
                           .fixed("first reply", right: true), .fixed("handle", right: true)])
        for id in departments.keys.sorted() {
            let entry = departments[id]!
            table.add([id, String(entry["served"]?.intValue ?? 0), String(entry["abandoned"]?.intValue ?? 0),
                       percent(entry["serviceLevel"]), seconds(entry["avgAnswerSeconds"]),
                       seconds(entry["avgFirstReplySeconds"]), seconds(entry["avgHandleSeconds"])])
        }
        return table
    }

    /// The attendants' figures.
    static func attendantReport(_ attendants: JSONObject, names: [String: String] = [:]) -> Table {
        var table = Table([.flexible("attendant"), .fixed("handled", right: true),
                           .fixed("first reply", right: true), .fixed("handle", right: true),
                           .fixed("offers accepted/declined/expired", right: true)])
        for id in attendants.keys.sorted(by: { (Int64($0) ?? 0) < (Int64($1) ?? 0) }) {
            let entry = attendants[id]!
            let offers = entry["offers"].map { offers in
                ["accepted", "declined", "expired"].map { String(offers[$0]?.intValue ?? 0) }.joined(separator: "/")
            } ?? "-"
            table.add([names[id] ?? "#\(id)", String(entry["handled"]?.intValue ?? 0),
                       seconds(entry["avgFirstReplySeconds"]), seconds(entry["avgHandleSeconds"]), offers])
        }
        return table
    }

    /// "87%", or "-" for null.
    static func percent(_ value: JSON?) -> String {
        guard let fraction = value?.doubleValue else { return "-" }
        return "\(Int((fraction * 100).rounded()))%"
    }

    /// "1m 10s", or "-" for null.
    static func seconds(_ value: JSON?) -> String { value?.doubleValue.map(TimeText.duration) ?? "-" }

    // MARK: - Holidays

    static func holidaysList(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        try run.adminOrAttendant()
        let settings = try run.call("settings.get")
        showHolidays(settings, run)
    }

    static func holidaysAdd(_ run: Invocation) throws {
        let date = try holidayDate(try run.arguments.positional(0, "DATE"))
        let name = run.arguments.positionals.dropFirst().joined(separator: " ")
        guard !name.isEmpty else {
            throw Failure.usage("missing NAME, e.g. atendectl settings holidays add \(date) \"Dia de folga\"")
        }
        try run.admin()
        var list = try run.call("settings.get")["holidays"]?.arrayValue ?? []
        // One holiday a day (the daemon refuses two): adding on a taken date must not rename the one there.
        if let taken = list.first(where: { $0["date"]?.stringValue == date }) {
            throw Failure.usage("\(date) is already a holiday (\(taken["name"]?.stringValue ?? "")); to rename it, "
                + "remove it first: atendectl settings holidays remove \(date)")
        }
        list.append(["date": .string(date), "name": .string(name)])
        showHolidays(try run.call("settings.update", ["holidays": .array(list)]), run)
    }

    /// A holiday's date as typed, checked here so that a mistake is named as typed (the daemon would name the
    /// place in the whole list it is sent).
    static func holidayDate(_ text: String) throws -> String {
        guard let (year, month, day) = TimeText.dateParts(text) else {
            throw Failure.usage("DATE must be a date written YYYY-MM-DD, e.g. 2026-12-25, not '\(text)'")
        }
        let days = TimeText.daysIn(year: year, month: month)
        guard day <= days else {
            throw Failure.usage("'\(text)' is not a day of the calendar (\(text.prefix(7)) has \(days) days)")
        }
        return text
    }

    static func holidaysRemove(_ run: Invocation) throws {
        let date = try holidayDate(try run.arguments.positional(0, "DATE"))
        try run.arguments.expectPositionals(atMost: 1)
        try run.admin()
        let list = try run.call("settings.get")["holidays"]?.arrayValue ?? []
        guard list.contains(where: { $0["date"]?.stringValue == date }) else {
            // Not a mistake on the command line: the account has no such holiday (exit 1, as the daemon's 1004).
            throw Failure.daemon(RPCError.notFound("holiday on \(date)", field: "date"))
        }
        showHolidays(try run.call("settings.update",
                                  ["holidays": .array(list.filter { $0["date"]?.stringValue != date })]), run)
    }

    static func showHolidays(_ settings: JSON, _ run: Invocation) {
        let list = settings["holidays"]?.arrayValue ?? []
        run.emit(.array(list)) {
            guard !list.isEmpty else { return Output.line("no holidays") }
            var table = Table([.fixed("date"), .flexible("name")])
            for holiday in list { table.add([holiday["date"]?.stringValue ?? "", holiday["name"]?.stringValue ?? ""]) }
            Output.line(table.render(width: run.width))
        }
    }
}
