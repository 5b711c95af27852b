// Stats and potentials: the at-a-glance views of the whole operation. `stats` (admin) shows each department's
// waiting chats, oldest wait, assigned chats and attendants online; `potentials` lists contacts the bot is still
// talking to, before a department was chosen (admin, or an attendant with --login).

import AtendeProtocol

/// `stats` and `potentials`.
enum StatsCommands {
    static let all: [Command] = [
        Command(["stats"], "",
                summary: "per department: waiting chats, oldest wait, assigned chats, attendants online (admin)",
                details: "examples:\n  atendectl stats\n  atendectl stats --json | jq '.departments.sales.waiting'",
                run: stats),
        Command(["potentials"], "[--limit N]",
                summary: "list potential chats (no department yet), oldest first",
                details: """
                    Works as admin, or as an attendant with --login.

                    examples:
                      atendectl potentials
                      atendectl potentials --limit 20 --login ana@example.com
                    """,
                options: [.value("limit", "N", "at most N chats"),
                          .value("login", "LOGIN", "list as this attendant instead of as admin")],
                run: potentials),
    ]

    static func stats(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        try run.admin()
        let stats = try run.call("stats.get")
        run.emit(stats) {
            let departments = stats["departments"]?.objectValue ?? [:]
            var table = Table([.flexible("department"), .fixed("waiting", right: true),
                               .fixed("oldest wait", right: true), .fixed("assigned", right: true),
                               .fixed("online", right: true)])
            for id in departments.keys.sorted() {
                let entry = departments[id]!
                let waiting = entry["waiting"]?.intValue ?? 0
                let oldest = waiting > 0 ? (entry["oldestWaitSeconds"]?.doubleValue).map(TimeText.duration) : nil
                table.add([id, String(waiting), oldest ?? "-", String(entry["assigned"]?.intValue ?? 0),
                           String(entry["attendantsOnline"]?.intValue ?? 0)])
            }
            if !departments.isEmpty { Output.line(table.render(width: run.width)) }
            Output.line("potentials: \(stats["potentials"]?.intValue ?? 0)")
        }
    }

    static func potentials(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        var params: JSONObject = [:]
        if let limit = try run.arguments.int("limit", in: 1...100_000) { params["limit"] = .int(Int64(limit)) }
        try run.adminOrAttendant()
        let result = try run.call("potentials.list", .object(params))
        run.emit(result) {
            let list = result["potentials"]?.arrayValue ?? []
            guard !list.isEmpty else { return Output.line("no potentials") }
            Output.line(ConversationText.table(list, timeTitle: "open for", timeKey: "openedAt")
                .render(width: run.width))
        }
    }
}
