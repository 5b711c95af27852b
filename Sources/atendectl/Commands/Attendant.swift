// Attendant commands (admin): add, edit, show, list, activate and deactivate. An attendant is named by its
// numeric id or by its login (looked up with attendant.list), whichever the admin has at hand. The password of
// `add` (and of `edit --password`) is prompted without echo, or read from the first line of stdin; it is never
// an argument.

import AtendeProtocol

/// `attendant add|edit|show|list|activate|deactivate`; `photo` is in AttendantPhoto.swift.
enum AttendantCommands {
    static let all: [Command] = [
        Command(["attendant", "add"], "--name NAME --login LOGIN [options]",
                summary: "create an attendant (the password is prompted, or read from stdin)",
                details: """
                    The password is asked twice without echo on a terminal; otherwise it is the first line of
                    stdin. It needs 8+ characters with a digit, an upper- and a lower-case letter.

                    \(AttendantFields.hoursHelp)

                    examples:
                      atendectl attendant add --name "Ana Souza" --login ana@example.com --department sales \\
                          --phone "(11) 98765-4321" --hours 'mon-fri 08:00-12:00,13:00-18:00; sat 08:00-12:00'
                      printf '%s\\n' "$PASSWORD" | atendectl attendant add --name "Rui Lima" --login rui \\
                          --departments sales,support --max-chats 8 --json
                    """,
                options: AttendantFields.common, run: add),
        Command(["attendant", "edit"], "ID|LOGIN [options]",
                summary: "change an attendant's fields (only those given)",
                details: """
                    --departments replaces the whole list. --password asks for a new password (prompt or stdin).
                    --timezone alone moves the current weekly hours to another zone.

                    \(AttendantFields.hoursHelp)

                    examples:
                      atendectl attendant edit 7 --max-chats 10 --department sales --department support
                      atendectl attendant edit ana@example.com --hours always --no-phone
                      atendectl attendant edit 7 --password < new-password.txt
                    """,
                options: AttendantFields.common + [
                    .flag("active", "the attendant may log in again"),
                    .flag("no-phone", "remove the phone number"),
                    .flag("no-email", "remove the e-mail address"),
                    .flag("password", "set a new password (prompted, or the first line of stdin)"),
                ], run: edit),
        Command(["attendant", "show"], "ID|LOGIN",
                summary: "show one attendant",
                details: "examples:\n  atendectl attendant show 7\n  atendectl attendant show ana@example.com --json",
                run: show),
        Command(["attendant", "list"], "[--department ID] [--presence PRESENCE]",
                summary: "list attendants",
                details: """
                    PRESENCE is online, away, offline or off-hours.

                    examples:
                      atendectl attendant list
                      atendectl attendant list --department sales --presence online
                    """,
                options: [.value("department", "ID", "only attendants serving this department"),
                          .value("presence", "PRESENCE", "only attendants with this presence")],
                run: list),
        Command(["attendant", "deactivate"], "ID|LOGIN",
                summary: "deactivate an attendant: its sessions end now, its open chats stay assigned",
                details: "examples:\n  atendectl attendant deactivate 7",
                run: { try setActive($0, false) }),
        Command(["attendant", "activate"], "ID|LOGIN",
                summary: "activate an attendant again",
                details: "examples:\n  atendectl attendant activate 7",
                run: { try setActive($0, true) }),
    ] + AttendantPhoto.all

    static func add(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        var params = try AttendantFields.params(run.arguments)
        guard params["name"] != nil else { throw Failure.usage("missing --name \"First Last\"") }
        guard let login = params["login"]?.stringValue else { throw Failure.usage("missing --login LOGIN") }
        if run.arguments.value("timezone") != nil && params["hours"] == nil {
            throw Failure.usage("--timezone needs --hours or --hours-json")
        }
        if params["departments"] == nil { params["departments"] = [] }
        params["password"] = .string(try Password.readNew(for: login))
        try run.admin()
        let attendant: JSON
        do {
            attendant = try run.call("attendant.create", .object(params))
        } catch let error {
            throw try DepartmentHint.explain(error, departments: params["departments"], run)
        }
        run.emit(attendant) {
            let id = attendant["id"]?.intValue ?? 0
            Output.line("created attendant \(id): \(summary(attendant))")
            if attendant["departments"]?.arrayValue?.isEmpty ?? true {
                // Not an error (departments can come later), but such an attendant is never given a chat.
                Output.stderr("note: attendant \(id) serves no department, so no chat goes to it until one is set: "
                    + "atendectl attendant edit \(id) --department ID\n")
            }
        }
    }

    static func edit(_ run: Invocation) throws {
        let target = try run.arguments.positional(0, "attendant ID or login")
        try run.arguments.expectPositionals(atMost: 1)
        var params = try AttendantFields.params(run.arguments)
        let zoneOnly = run.arguments.value("timezone") != nil && params["hours"] == nil
        if run.arguments.flag("password") {
            params["password"] = .string(try Password.readNew(for: target))
        }
        guard !params.isEmpty || zoneOnly else {
            throw Failure.usage("nothing to change (see: atendectl attendant edit --help)")
        }
        try run.admin()
        let id = try resolve(target, run)
        if zoneOnly, let zone = run.arguments.value("timezone") {
            let current = try run.call("attendant.get", ["id": .int(id)])
            guard var hours = current["hours"]?.objectValue else {
                throw Failure.usage("attendant \(id) works 'always': give --hours with --timezone")
            }
            hours["timezone"] = .string(zone)
            params["hours"] = .object(hours)
        } else if run.arguments.value("hours") != nil, var hours = params["hours"]?.objectValue {
            // --hours writes the week only: the date exceptions already set stay (--hours-json replaces all).
            let current = try run.call("attendant.get", ["id": .int(id)])
            if let exceptions = current["hours"]?["exceptions"], !(exceptions.arrayValue ?? []).isEmpty {
                hours["exceptions"] = exceptions
                params["hours"] = .object(hours)
            }
        }
        params["id"] = .int(id)
        let attendant: JSON
        do {
            attendant = try run.call("attendant.update", .object(params))
        } catch let error {
            throw try DepartmentHint.explain(error, departments: params["departments"], run)
        }
        run.emit(attendant) { Output.line("updated attendant \(id): \(summary(attendant))") }
    }

    static func show(_ run: Invocation) throws {
        let target = try run.arguments.positional(0, "attendant ID or login")
        try run.arguments.expectPositionals(atMost: 1)
        try run.admin()
        let attendant = try run.call("attendant.get", ["id": .int(try resolve(target, run))])
        run.emit(attendant) { Output.line(details(attendant).render(width: run.width)) }
    }

    static func list(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        var params: JSONObject = [:]
        if let department = run.arguments.value("department") { params["department"] = .string(department) }
        if let presence = run.arguments.value("presence") { params["presence"] = .string(presence) }
        try run.admin()
        let result = try run.call("attendant.list", .object(params))
        run.emit(result) {
            let attendants = result["attendants"]?.arrayValue ?? []
            guard !attendants.isEmpty else { return Output.line("no attendants") }
            var table = Table([.fixed("id", right: true), .flexible("name"), .flexible("login"),
                               .flexible("departments"), .fixed("presence"), .fixed("chats", right: true),
                               .fixed("rating", right: true)])
            for attendant in attendants {
                table.add([String(attendant["id"]?.intValue ?? 0), attendant["name"]?.stringValue ?? "",
                           attendant["login"]?.stringValue ?? "", departments(attendant),
                           presence(attendant), chats(attendant), rating(attendant, short: true)])
            }
            Output.line(table.render(width: run.width))
        }
    }

    static func setActive(_ run: Invocation, _ active: Bool) throws {
        let target = try run.arguments.positional(0, "attendant ID or login")
        try run.arguments.expectPositionals(atMost: 1)
        try run.admin()
        let id = try resolve(target, run)
        let attendant = try run.call("attendant.update", ["id": .int(id), "active": .bool(active)])
        run.emit(attendant) {
            let name = attendant["name"]?.stringValue ?? ""
            if active {
                Output.line("activated attendant \(id) (\(name))")
            } else {
                let open = attendant["openChats"]?.intValue ?? 0
                Output.line("deactivated attendant \(id) (\(name)): its sessions were ended"
                    + (open > 0 ? "; its \(open) open chat(s) stay assigned to it" : ""))
            }
        }
    }

    // MARK: - Naming and describing attendants

    /// The id of the attendant named by `text`: a number, or a login looked up in attendant.list.
    static func resolve(_ text: String, _ run: Invocation) throws -> Int64 {
        if let id = Int64(text.hasPrefix("#") ? String(text.dropFirst()) : text) { return id }
        let list = try run.call("attendant.list")["attendants"]?.arrayValue ?? []
        let wanted = text.lowercased()
        guard let match = list.first(where: { $0["login"]?.stringValue?.lowercased() == wanted }),
              let id = match["id"]?.intValue else {
            throw Failure.daemon(RPCError.notFound("attendant with login '\(text)'"))
        }
        return id
    }

    /// `Ana Souza <ana@example.com>, sales, support, online`.
    static func summary(_ attendant: JSON) -> String {
        let name = attendant["name"]?.stringValue ?? ""
        let login = attendant["login"]?.stringValue ?? ""
        return "\(name) <\(login)>, departments: \(departments(attendant)), \(presence(attendant))"
    }

    /// The departments as a comma list, or "none".
    static func departments(_ attendant: JSON) -> String {
        let list = (attendant["departments"]?.arrayValue ?? []).compactMap(\.stringValue)
        return list.isEmpty ? "none" : list.joined(separator: ", ")
    }

    /// The presence, or "inactive".
    static func presence(_ attendant: JSON) -> String {
        attendant["active"]?.boolValue == false ? "inactive" : attendant["presence"]?.stringValue ?? "?"
    }

    /// "2/5": open chats of the maximum.
    /// Slots held of the maximum: "2/5", or "2+1w/5" when wrap-ups hold slots too (capacity counts both).
    static func chats(_ attendant: JSON) -> String {
        let wrapping = attendant["wrappingChats"]?.intValue ?? 0
        return "\(attendant["openChats"]?.intValue ?? 0)" + (wrapping > 0 ? "+\(wrapping)w" : "")
            + "/\(attendant["maxChats"]?.intValue ?? 0)"
    }

    /// "4.50 (12)", "4.50 from 12 ratings", or "-" when unrated.
    static func rating(_ attendant: JSON, short: Bool) -> String {
        let count = attendant["rating"]?["count"]?.intValue ?? 0
        guard count > 0 else { return short ? "-" : "no ratings yet" }
        let average = attendant["rating"]?["average"]?.doubleValue ?? 0
        let text = String(Int((average * 100).rounded()))
        let padded = String(repeating: "0", count: max(0, 3 - text.count)) + text
        let fixed = padded.dropLast(2) + "." + padded.suffix(2)
        return short ? "\(fixed) (\(count))" : "\(fixed) from \(count) rating\(count == 1 ? "" : "s")"
    }

    /// The `show` block.
    static func details(_ attendant: JSON) -> Details {
        var details = Details()
        details.add("id", attendant["id"]?.intValue.map(String.init))
        details.add("name", attendant["name"]?.stringValue)
        details.add("login", attendant["login"]?.stringValue)
        details.add("phone", attendant["phone"]?.stringValue ?? "-")
        details.add("email", attendant["email"]?.stringValue ?? "-")
        details.add("active", attendant["active"]?.boolValue == false ? "no" : "yes")
        if let until = attendant["lockedUntil"]?.stringValue {
            details.add("locked", "until \(TimeText.local(until)) after failed logins "
                + "(atendectl attendant unlock \(attendant["id"]?.intValue ?? 0))")
        }
        details.add("presence", attendant["presence"]?.stringValue)
        details.add("open chats", chats(attendant))
        details.add("departments", departments(attendant))
        details.add("hours", HoursSyntax.describe(attendant["hours"]))
        details.add("rating", rating(attendant, short: false))
        details.add("photo", attendant["hasImage"]?.boolValue == true ? "yes" : "no")
        details.add("last seen", attendant["lastSeenAt"]?.stringValue.map {
            "\(TimeText.local($0)) (\(TimeText.age($0)) ago)"
        } ?? "never")
        details.add("created", attendant["createdAt"]?.stringValue.map(TimeText.local))
        return details
    }
}
