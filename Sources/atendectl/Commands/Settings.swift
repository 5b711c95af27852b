// Settings commands: `settings show` and `settings set KEY=VALUE...` for the account-wide settings. Keys may be
// written as in the protocol (attendantsCanRemovePotentials) or in kebab case (attendants-can-remove-potentials).
// A switch takes true/false, yes/no, on/off or 1/0; requeueOnOffline one of its words; maxMissedOffers a whole
// number. An unknown key goes to the daemon, which refuses it by name, and the hint lists the valid ones. The
// holidays have commands of their own (`settings holidays ...`).

import AtendeClient
import AtendeProtocol

/// `settings show|set`.
enum SettingsCommands {
    /// What a setting's value is written as.
    enum Kind {
        case yesNo
        case oneOf([String])
        case count(ClosedRange<Int64>)
    }

    /// The settings the protocol documents, with what each means.
    static let known: [(key: String, kind: Kind, meaning: String)] = [
        ("attendantsCanRemovePotentials", .yesNo, "attendants may remove potential chats"),
        ("attendantsCanViewBotContacts", .yesNo, "attendants may list the bot's contacts"),
        ("restrictAccessToHours", .yesNo, "attendants can log in only inside their working hours"),
        ("requeueOnOffline", .oneOf(["none", "unanswered", "all"]),
         "assigned chats that go back to their queues when an attendant's presence grace runs out "
            + "(none, unanswered: not yet replied to, all)"),
        ("maxMissedOffers", .count(0...100),
         "expired offers in a row after which an attendant turns away (0: never)"),
    ]

    static let all: [Command] = [
        Command(["settings", "show"], "",
                summary: "show the account settings",
                details: """
                    Works as admin, or as an attendant with --login.

                    examples:
                      atendectl settings show
                      atendectl settings show --json
                    """,
                options: [.value("login", "LOGIN", "read the settings as this attendant instead of as admin")],
                run: show),
        Command(["settings", "set"], "KEY=VALUE...",
                summary: "change account settings (admin)",
                details: """
                    keys: \(known.map(\.key).joined(separator: ", "))
                    (kebab case also works: restrict-access-to-hours). Switches take true/false, yes/no, on/off,
                    1/0; requeueOnOffline takes none, unanswered or all; maxMissedOffers a number from 0 (never)
                    to 100. Holidays: atendectl settings holidays --help.

                    examples:
                      atendectl settings set restrictAccessToHours=false
                      atendectl settings set attendants-can-remove-potentials=yes attendantsCanViewBotContacts=no
                      atendectl settings set requeueOnOffline=all max-missed-offers=3
                    """,
                run: set),
    ]

    static func show(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        try run.adminOrAttendant()
        let settings = try run.call("settings.get")
        run.emit(settings) { Output.line(render(settings, width: run.width)) }
    }

    static func set(_ run: Invocation) throws {
        guard !run.arguments.positionals.isEmpty else {
            throw Failure.usage("missing KEY=VALUE (keys: \(known.map(\.key).joined(separator: ", ")))")
        }
        var params: JSONObject = [:]
        var unknown: [String] = []
        for pair in run.arguments.positionals {
            guard let equals = pair.firstIndex(of: "=") else {
                throw Failure.usage("'\(pair)' is not KEY=VALUE, e.g. restrictAccessToHours=false")
            }
            let key = camelCase(String(pair[..<equals]).trimmed)
            if key == "holidays" {
                throw Failure.usage("holidays are a list: change them with 'atendectl settings holidays add|remove'")
            }
            guard let setting = known.first(where: { $0.key == key }) else {
                // Left for the daemon to refuse by name (it knows its settings); the hint lists the valid ones.
                params[key] = .string(String(pair[pair.index(after: equals)...]))
                unknown.append(key)
                continue
            }
            params[key] = try value(String(pair[pair.index(after: equals)...]).trimmed, of: key, kind: setting.kind)
        }
        try run.admin()
        let settings: JSON
        do {
            settings = try run.call("settings.update", .object(params))
        } catch ClientError.rpc(let error) where !unknown.isEmpty {
            throw Failure.daemon(error, hint: "unknown setting\(unknown.count == 1 ? "" : "s") "
                + unknown.map { "'\($0)'" }.joined(separator: ", ") + "; the settings are: "
                + known.map(\.key).joined(separator: ", "))
        }
        run.emit(settings) { Output.line(render(settings, width: run.width)) }
    }

    /// A typed value as the protocol takes it; a usage error names the key and what it takes.
    static func value(_ typed: String, of key: String, kind: Kind) throws -> JSON {
        let text = typed.lowercased()
        switch kind {
        case .yesNo:
            switch text {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: throw Failure.usage("the value of \(key) must be true or false, not '\(typed)'")
            }
        case .oneOf(let words):
            guard words.contains(text) else {
                let choices = words.joined(separator: ", ")
                throw Failure.usage("the value of \(key) must be one of \(choices), not '\(typed)'")
            }
            return .string(text)
        case .count(let range):
            guard let number = Int64(text), range.contains(number) else {
                throw Failure.usage("the value of \(key) must be a whole number from \(range.lowerBound) to "
                    + "\(range.upperBound), not '\(typed)'")
            }
            return .int(number)
        }
    }

    /// `restrict-access-to-hours` as `restrictAccessToHours`; camel case stays as it is.
    static func camelCase(_ key: String) -> String {
        let parts = key.split(separator: "-")
        guard parts.count > 1 else { return key }
        return String(parts[0]) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func render(_ settings: JSON, width: Int?) -> String {
        var table = Table([.fixed("setting"), .fixed("value"), .flexible("meaning")])
        let members = settings.objectValue ?? [:]
        for (key, _, meaning) in known where members[key] != nil {
            let value = members[key]!
            table.add([key, value.boolValue.map { $0 ? "yes" : "no" } ?? value.stringValue ?? value.text, meaning])
        }
        if let holidays = members["holidays"]?.arrayValue {
            let days = holidays.compactMap { holiday -> String? in
                guard let date = holiday["date"]?.stringValue else { return nil }
                return date + (holiday["name"]?.stringValue.map { " " + $0 } ?? "")
            }
            table.add(["holidays", days.isEmpty ? "none" : days.joined(separator: ", "),
                       "days off for attendants with working hours (atendectl settings holidays)"])
        }
        for key in members.keys.sorted() where key != "holidays" && !known.contains(where: { $0.key == key }) {
            table.add([key, members[key]!.text, ""])
        }
        return table.render(width: width)
    }
}
