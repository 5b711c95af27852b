// Settings commands: `settings show` and `settings set KEY=VALUE...` for the account-wide switches. Keys may be
// written as in the protocol (attendantsCanRemovePotentials) or in kebab case (attendants-can-remove-potentials);
// values are true/false, yes/no, on/off or 1/0. An unknown key goes to the daemon, which refuses it by name, and
// the hint lists the valid ones.

import AtendeClient
import AtendeProtocol

/// `settings show|set`.
enum SettingsCommands {
    /// The settings the protocol documents, with what each means.
    static let known: [(key: String, meaning: String)] = [
        ("attendantsCanRemovePotentials", "attendants may remove potential chats"),
        ("attendantsCanViewBotContacts", "attendants may list the bot's contacts"),
        ("restrictAccessToHours", "attendants can log in only inside their working hours"),
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
                    (kebab case also works: restrict-access-to-hours). Values: true/false, yes/no, on/off, 1/0.

                    examples:
                      atendectl settings set restrictAccessToHours=false
                      atendectl settings set attendants-can-remove-potentials=yes attendantsCanViewBotContacts=no
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
            guard known.contains(where: { $0.key == key }) else {
                // Left for the daemon to refuse by name (it knows its settings); the hint lists the valid ones.
                params[key] = .string(String(pair[pair.index(after: equals)...]))
                unknown.append(key)
                continue
            }
            let text = String(pair[pair.index(after: equals)...]).trimmed.lowercased()
            switch text {
            case "true", "yes", "on", "1": params[key] = true
            case "false", "no", "off", "0": params[key] = false
            default: throw Failure.usage("the value of \(key) must be true or false, not '\(text)'")
            }
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

    /// `restrict-access-to-hours` as `restrictAccessToHours`; camel case stays as it is.
    static func camelCase(_ key: String) -> String {
        let parts = key.split(separator: "-")
        guard parts.count > 1 else { return key }
        return String(parts[0]) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func render(_ settings: JSON, width: Int?) -> String {
        var table = Table([.fixed("setting"), .fixed("value"), .flexible("meaning")])
        let members = settings.objectValue ?? [:]
        for (key, meaning) in known where members[key] != nil {
            table.add([key, members[key]!.boolValue.map { $0 ? "yes" : "no" } ?? members[key]!.text, meaning])
        }
        for key in members.keys.sorted() where !known.contains(where: { $0.key == key }) {
            table.add([key, members[key]!.text, ""])
        }
        return table.render(width: width)
    }
}
