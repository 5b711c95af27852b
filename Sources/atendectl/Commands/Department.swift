// Department commands: add, list, edit and delete the queues chats are routed through (admin). Names may be
// given as the words after the id or with --name, whichever reads better in a script.

import AtendeProtocol

/// `department add|list|edit|delete`.
enum DepartmentCommands {
    static let strategies = ["least-busy", "round-robin", "longest-idle", "manual"]

    static let strategyHelp = """
        strategies: least-busy (default: the attendant with the fewest open chats), round-robin, longest-idle,
        manual (no automatic assignment: attendants take chats from the queue).
        """

    static let routingHelp = """
        routing: --offer-timeout SECONDS (5-3600) makes automatic assignments offers the attendant must accept in
        that time; --reply-timeout SECONDS (10-86400) takes back a chat nobody answered that long after it was
        assigned; --wrap-up SECONDS (0-900) keeps a closed chat's slot that long. "off" turns a timeout off.
        queue policy: --overflow-department ID with --overflow-after SECONDS (10-86400) moves a chat that waited
        that long to the other department's queue, keeping its place by the queue order ("--overflow-department
        off" stops it; on edit, either one alone changes just that half); --wait-alert SECONDS (10-86400, or off)
        tells the bots when a chat has waited that long; --priority-step SECONDS (0-86400, default 600) is how far
        ahead of older chats each priority level puts a chat; --service-level SECONDS (1-3600, default 60) is the
        answer-time target the service level is measured against.
        """

    static let routingOptions: [OptionSpec] = [
        .value("offer-timeout", "SECONDS", "offer instead of assigning: accepted within SECONDS (or off)"),
        .value("reply-timeout", "SECONDS", "take back chats without an attendant reply after SECONDS (or off)"),
        .value("wrap-up", "SECONDS", "keep a closed chat's slot for SECONDS"),
        .value("overflow-department", "DEPARTMENT", "where chats that waited too long go (or off)"),
        .value("overflow-after", "SECONDS", "how long a chat waits before it overflows"),
        .value("wait-alert", "SECONDS", "tell the bots when a chat has waited SECONDS (or off)"),
        .value("priority-step", "SECONDS", "how far ahead each priority level puts a chat"),
        .value("service-level", "SECONDS", "the answer-time target of the service level"),
    ]

    static let all: [Command] = [
        Command(["department", "add"],
                "ID NAME... [--strategy STRATEGY] [--offer-timeout S] [--reply-timeout S] [--wrap-up S] "
                    + "[--overflow-department ID --overflow-after S] [--wait-alert S] [--priority-step S] "
                    + "[--service-level S]",
                summary: "create a department",
                details: """
                    ID is a slug: lower-case letters, digits and '-', up to 64 characters. The name is the rest
                    of the words (or --name).
                    \(strategyHelp)
                    \(routingHelp)

                    examples:
                      atendectl department add sales Sales
                      atendectl department add support "Customer support" --strategy manual
                      atendectl department add vendas Vendas --offer-timeout 30 --reply-timeout 300 --wrap-up 60
                      atendectl department add vip VIP --overflow-department vendas --overflow-after 120 \\
                          --wait-alert 60 --priority-step 300 --service-level 30
                    """,
                options: [.value("name", "NAME", "the display name (instead of the words after ID)"),
                          .value("strategy", "STRATEGY", "least-busy, round-robin, longest-idle or manual")]
                    + routingOptions,
                run: add),
        Command(["department", "list"], "",
                summary: "list departments",
                details: "examples:\n  atendectl department list\n  atendectl department list --json",
                run: list),
        Command(["department", "edit"],
                "ID [--name NAME] [--strategy STRATEGY] [--offer-timeout S] [--reply-timeout S] [--wrap-up S] "
                    + "[--overflow-department ID|off] [--overflow-after S] [--wait-alert S] [--priority-step S] "
                    + "[--service-level S]",
                summary: "rename a department or change its strategy or routing settings",
                details: """
                    \(strategyHelp)
                    \(routingHelp)

                    examples:
                      atendectl department edit sales --name "Sales and renewals"
                      atendectl department edit sales --strategy round-robin
                      atendectl department edit sales --offer-timeout off
                      atendectl department edit sales --overflow-after 300 --wait-alert off
                    """,
                options: [.value("name", "NAME", "the new display name"),
                          .value("strategy", "STRATEGY", "least-busy, round-robin, longest-idle or manual")]
                    + routingOptions,
                arguments: [.department], run: edit),
        Command(["department", "delete"], "ID",
                summary: "delete a department (refused while it has chats or attendants)",
                details: "examples:\n  atendectl department delete old-promo",
                arguments: [.department], run: delete),
    ]

    static func strategy(_ run: Invocation) throws(Failure) -> String? {
        guard let strategy = run.arguments.value("strategy") else { return nil }
        guard strategies.contains(strategy) else {
            throw .usage("--strategy must be one of: " + strategies.joined(separator: ", "))
        }
        return strategy
    }

    /// The routing settings given on the command line, as `department.create|update` members. Only the form is
    /// checked here (a whole number, or off where the setting can be off); the daemon checks the ranges and
    /// names the member it refuses. Overflow is one member with two halves: when only one is given, the caller
    /// reads the other from the department (`overflow(_:current:)`).
    static func routing(_ run: Invocation, into params: inout JSONObject) throws(Failure) {
        for (option, member, canBeOff) in [("offer-timeout", "offerTimeout", true),
                                           ("reply-timeout", "replyTimeout", true), ("wrap-up", "wrapUp", false),
                                           ("wait-alert", "waitAlert", true),
                                           ("priority-step", "priorityStep", false),
                                           ("service-level", "serviceLevel", false)] {
            guard let text = run.arguments.value(option) else { continue }
            if canBeOff && text == "off" {
                params[member] = .null
            } else {
                params[member] = .int(try seconds(text, option: option, canBeOff: canBeOff))
            }
        }
    }

    /// Whether the command line gives one half of an overflow, the other to be read from the department.
    static func needsCurrentOverflow(_ run: Invocation) -> Bool {
        let target = run.arguments.value("overflow-department")
        return target != "off" && (target == nil) != (run.arguments.value("overflow-after") == nil)
    }

    /// The `overflow` member the command line asks for (nil when it names neither half). `current` is the
    /// department's overflow before an edit (nil when there is none), which supplies a half not given.
    static func overflow(_ run: Invocation, current: JSON?) throws(Failure) -> JSON? {
        let target = run.arguments.value("overflow-department")
        let after = run.arguments.value("overflow-after")
        guard target != nil || after != nil else { return nil }
        if target == "off" {
            guard after == nil else { throw .usage("--overflow-after has no meaning with --overflow-department off") }
            return .null
        }
        let wait = try after.map { (text) throws(Failure) in
            try seconds(text, option: "overflow-after", canBeOff: false)
        }
        guard let department = target ?? current?["department"]?.stringValue else {
            throw .usage("--overflow-after needs --overflow-department ID (where the chats go)")
        }
        guard let wait = wait ?? current?["after"]?.intValue else {
            throw .usage("--overflow-department needs --overflow-after SECONDS (how long a chat waits first)")
        }
        return ["after": .int(wait), "department": .string(department)]
    }

    /// The option that sets each member the daemon may refuse, for a hint under its refusal.
    static let optionOfMember: [String: String] = [
        "offerTimeout": "offer-timeout", "replyTimeout": "reply-timeout", "wrapUp": "wrap-up",
        "waitAlert": "wait-alert", "priorityStep": "priority-step", "serviceLevel": "service-level",
        "overflow.after": "overflow-after", "overflow.department": "overflow-department",
    ]

    /// `department.create|update`; a refused routing setting gets a hint naming the option that set it.
    static func send(_ run: Invocation, _ method: String, _ params: JSONObject) throws -> JSON {
        do {
            return try run.call(method, .object(params))
        } catch {
            let failure = Failure.from(error)
            guard case .daemon(let refusal, nil) = failure, refusal.code == RPCErrorCode.invalidParams,
                  let field = refusal.data?["field"]?.stringValue, let option = optionOfMember[field] else {
                throw failure
            }
            throw Failure.daemon(refusal, hint: "it was set with --\(option)")
        }
    }

    /// `text` as a whole number of seconds for `--option`.
    static func seconds(_ text: String, option: String, canBeOff: Bool) throws(Failure) -> Int64 {
        guard let seconds = Int64(text) else {
            throw .usage("--\(option) must be a whole number of seconds" + (canBeOff ? " or off" : "")
                         + ", not '\(text)'")
        }
        return seconds
    }

    static func add(_ run: Invocation) throws {
        let id = try run.arguments.positional(0, "department ID")
        let words = run.arguments.positionals.dropFirst().joined(separator: " ")
        if run.arguments.value("name") != nil && !words.isEmpty {
            throw Failure.usage("give the name either as words or with --name, not both")
        }
        guard let name = run.arguments.value("name") ?? (words.isEmpty ? nil : words) else {
            throw Failure.usage("missing NAME (e.g. atendectl department add \(id) \"Customer support\")")
        }
        var params: JSONObject = ["id": .string(id), "name": .string(name)]
        if let strategy = try strategy(run) { params["strategy"] = .string(strategy) }
        try routing(run, into: &params)
        if let overflow = try overflow(run, current: nil) { params["overflow"] = overflow }
        try run.admin()
        let department = try send(run, "department.create", params)
        run.emit(department) { Output.line("created department \(describe(department))") }
    }

    static func list(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        try run.admin()
        let result = try run.call("department.list")
        run.emit(result) {
            let departments = result["departments"]?.arrayValue ?? []
            guard !departments.isEmpty else { return Output.line("no departments") }
            var table = Table([.fixed("id"), .flexible("name"), .fixed("strategy"), .flexible("routing")])
            for department in departments {
                table.add([department["id"]?.stringValue ?? "", department["name"]?.stringValue ?? "",
                           department["strategy"]?.stringValue ?? "", routingSummary(department)])
            }
            Output.line(table.render(width: run.width))
        }
    }

    static func edit(_ run: Invocation) throws {
        let id = try run.arguments.positional(0, "department ID")
        try run.arguments.expectPositionals(atMost: 1)
        var params: JSONObject = ["id": .string(id)]
        if let name = run.arguments.value("name") { params["name"] = .string(name) }
        if let strategy = try strategy(run) { params["strategy"] = .string(strategy) }
        try routing(run, into: &params)
        let halfOverflow = needsCurrentOverflow(run)
        if !halfOverflow, let overflow = try overflow(run, current: nil) {
            params["overflow"] = overflow
        } else if halfOverflow, let after = run.arguments.value("overflow-after") {
            _ = try seconds(after, option: "overflow-after", canBeOff: false)  // malformed: before connecting
        }
        guard params.count > 1 || halfOverflow else {
            throw Failure.usage("nothing to change: give --name, --strategy or a routing setting")
        }
        try run.admin()
        // Half an overflow: the other half is the department's own (an unknown department is the daemon's to
        // refuse, naming the id).
        let departments = halfOverflow ? try run.call("department.list")["departments"]?.arrayValue ?? [] : []
        if let known = departments.first(where: { $0["id"]?.stringValue == id }) {
            let current = known["overflow"]
            params["overflow"] = try overflow(run, current: current?.objectValue == nil ? nil : current)
        }
        let department = try send(run, "department.update", params)
        run.emit(department) { Output.line("updated department \(describe(department))") }
    }

    static func delete(_ run: Invocation) throws {
        let id = try run.arguments.positional(0, "department ID")
        try run.arguments.expectPositionals(atMost: 1)
        try run.admin()
        let result = try run.call("department.delete", ["id": .string(id)])
        run.emit(result) { Output.line("deleted department \(id)") }
    }

    /// `sales "Sales" (least-busy)`, then the routing settings, so that what was just set is seen.
    static func describe(_ department: JSON) -> String {
        let id = department["id"]?.stringValue ?? "?"
        let name = department["name"]?.stringValue ?? ""
        let strategy = department["strategy"]?.stringValue ?? "least-busy"
        let routing = routingSummary(department)
        return "\(id) \"\(name)\" (\(strategy))" + (routing == "-" ? "" : ": \(routing)")
    }

    /// The routing settings in a line: those turned on, and the priority step and service level target.
    static func routingSummary(_ department: JSON) -> String {
        func time(_ key: String) -> String? {
            department[key]?.intValue.map { TimeText.duration(Double($0)) }
        }
        var parts: [String] = []
        if let offer = time("offerTimeout") { parts.append("offers \(offer)") }
        if let reply = time("replyTimeout") { parts.append("reply timeout \(reply)") }
        if let wrapUp = department["wrapUp"]?.intValue, wrapUp > 0 {
            parts.append("wrap-up \(TimeText.duration(Double(wrapUp)))")
        }
        if let overflow = department["overflow"]?.objectValue, let target = overflow["department"]?.stringValue {
            parts.append("overflow to \(target) after \(TimeText.duration(Double(overflow["after"]?.intValue ?? 0)))")
        }
        if let alert = time("waitAlert") { parts.append("wait alert \(alert)") }
        // The two that always have a value are shown when they differ from the defaults (600 s and 60 s).
        if let step = department["priorityStep"]?.intValue, step != 600 {
            parts.append("priority step \(TimeText.duration(Double(step)))")
        }
        if let target = department["serviceLevel"]?.intValue, target != 60 {
            parts.append("service level in \(TimeText.duration(Double(target)))")
        }
        return parts.isEmpty ? "-" : parts.joined(separator: ", ")
    }
}
