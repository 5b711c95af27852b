// Explain: `atendectl explain ID` (admin) answers "why did this chat go to that attendant?" from the decisions
// the daemon recorded (conversation.explain): one block per assignment with when, where, which strategy and
// rule, who was chosen, and a table of the department's attendants as they stood at that moment.

import AtendeProtocol

/// `explain`.
enum ExplainCommand {
    static let all: [Command] = [
        Command(["explain"], "ID",
                summary: "why a chat was assigned to whom: each routing decision and the candidates (admin)",
                details: """
                    For every assignment of the chat: the time, the department and its strategy, the rule that
                    decided (the strategy, a returning contact going back to its last attendant, taken by hand,
                    or a transfer), the attendant chosen, and the attendants of the department as they stood:
                    chosen, lost the tie, passed over (they had declined the chat, let its offer expire or had it
                    taken back, and someone else could take it), at capacity, away, off-hours, offline or
                    inactive, with their open chats and how long they had been idle.

                    examples:
                      atendectl explain 12
                      atendectl explain '#12' --json
                    """,
                run: explain),
    ]

    static func explain(_ run: Invocation) throws {
        let id = try run.arguments.conversationID(0)
        try run.arguments.expectPositionals(atMost: 1)
        try run.admin()
        let result = try run.call("conversation.explain", ["id": .int(id)])
        try run.emit(result) {
            let conversation = try run.call("conversation.get", ["id": .int(id)])
            var strategy: String?
            if (result["explanations"]?.arrayValue ?? []).isEmpty, let department = conversation["department"] {
                strategy = (try run.call("department.list")["departments"]?.arrayValue ?? [])
                    .first { $0["id"] == department }?["strategy"]?.stringValue
            }
            Output.raw(report(result, conversation: conversation, strategy: strategy, width: run.width))
        }
    }

    /// The whole report; `strategy` is the chat's department's, for a chat without a decision.
    static func report(_ result: JSON, conversation: JSON, strategy: String? = nil, width: Int?) -> String {
        let explanations = result["explanations"]?.arrayValue ?? []
        var text = ConversationText.describe(conversation) + "\n"
        guard !explanations.isEmpty else {
            let id = conversation["id"]?.intValue ?? 0
            switch conversation["state"]?.stringValue ?? "" {
            case "queued" where strategy == "manual":
                return text + "no routing decision: its department is manual, where chats wait to be taken by hand "
                    + "(atendectl conversation position \(id))\n"
            case "queued":
                return text + "no routing decision yet: nobody eligible has had room for it since it joined the "
                    + "queue (atendectl conversation position \(id))\n"
            case "potential":
                return text + "no routing decision yet: it has no department (a potential)\n"
            default:
                return text + "no routing decision was recorded for it\n"
            }
        }
        // A decision is an assignment, or an offer in a department that offers (accepted or not: see the events).
        let count = explanations.count
        text += "\(count) routing decision\(count == 1 ? "" : "s") (assignments or offers):\n"
        for (index, explanation) in explanations.enumerated() {
            text += "\n" + block(explanation, number: index + 1, width: width)
        }
        let events = result["events"]?.arrayValue ?? []
        if !events.isEmpty {
            text += "\noffers and revocations:\n"
            for event in events { text += "   " + describeEvent(event) + "\n" }
        }
        return text
    }

    /// `14:02:11  Ana Souza (attendant 7) let the offer expire`.
    static func describeEvent(_ event: JSON) -> String {
        let at = event["at"]?.stringValue.map(TimeText.local) ?? "?"
        let who = person(event["name"]?.stringValue, event["attendantId"]?.intValue)
        let what: String
        switch event["outcome"]?.stringValue ?? "?" {
        case "accepted": what = "accepted the offer"
        case "declined": what = "declined the offer"
        case "expired": what = "let the offer expire"
        case "rescinded": what = "lost the offer: the chat was closed or transferred"
        case "offline": what = "lost the offer: went offline"
        case "away": what = "lost the offer: set away for missed offers"
        case "revoked": what = "had the chat taken back (" + (event["reason"]?.stringValue ?? "?") + ")"
        case let other: what = other
        }
        return "\(at)  \(who) \(what)"
    }

    /// One decision: its summary lines and the candidates table.
    static func block(_ explanation: JSON, number: Int, width: Int?) -> String {
        let department = explanation["department"]?.stringValue ?? "?"
        let strategy = explanation["strategy"]?.stringValue ?? "?"
        let at = explanation["at"]?.stringValue.map(TimeText.local) ?? "?"
        var text = "\(number). \(at)  department \(department) (\(strategy))\n"
        text += "   rule: " + rule(explanation["rule"]?.stringValue ?? "?", strategy: strategy) + "\n"
        text += "   chosen: " + person(explanation["chosenName"]?.stringValue, explanation["chosen"]?.intValue) + "\n"
        let candidates = explanation["candidates"]?.arrayValue ?? []
        if !candidates.isEmpty {
            var table = Table([.flexible("attendant"), .fixed("id", right: true), .fixed("standing"),
                               .fixed("chats", right: true), .fixed("idle", right: true)])
            // "Lost the tie" is the strategy's word: when a person chose (a transfer to a colleague, a take by
            // hand) the others were simply not chosen.
            let byHand = ["transferred", "taken-by-hand"].contains(explanation["rule"]?.stringValue ?? "")
            for candidate in candidates {
                let open = candidate["openChats"]?.intValue ?? 0, most = candidate["maxChats"]?.intValue ?? 0
                var standing = candidate["standing"]?.stringValue ?? "?"
                if byHand && standing == "lost the tie" { standing = "not chosen" }
                table.add([candidate["name"]?.stringValue ?? "?", String(candidate["attendantId"]?.intValue ?? 0),
                           standing, "\(open)/\(most)",
                           (candidate["idleSeconds"]?.doubleValue).map(TimeText.duration) ?? "-"])
            }
            let indent = "   "
            let lines = table.render(width: width.map { $0 - indent.count }).split(separator: "\n")
            text += lines.map { indent + $0 + "\n" }.joined()
        }
        let omitted = explanation["omitted"]?.intValue ?? 0
        if omitted > 0 {
            text += "   … and \(omitted) more attendant\(omitted == 1 ? "" : "s") of the department, not recorded\n"
        }
        return text
    }

    /// What the rule means, in words.
    static func rule(_ rule: String, strategy: String) -> String {
        switch rule {
        case "strategy": return "the \(strategy) strategy picked among the eligible attendants"
        case "returning-contact": return "returning contact: back to the attendant who served it last"
        case "taken-by-hand": return "taken by hand by the attendant"
        case "transferred": return "transferred straight to this attendant"
        default: return rule
        }
    }

    /// `Ana Souza (attendant 7)`.
    static func person(_ name: String?, _ id: Int64?) -> String {
        let number = id.map { "attendant \($0)" } ?? "an attendant"
        guard let name else { return number }
        return "\(name) (\(number))"
    }
}
