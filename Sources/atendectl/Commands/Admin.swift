// Admin account commands: add, list, edit, delete (contract v2). An admin account logs in to the web panel with
// a login and a password; these commands need an admin connection (token or uid). An account is named by its
// numeric id or its login. Passwords are prompted without echo, or read from the first line of stdin.

import AtendeProtocol

/// `admin add|list|edit|delete`.
enum AdminCommands {
    static let all: [Command] = [
        Command(["admin", "add"], "--name NAME --login LOGIN",
                summary: "create an admin account for the web panel (the password is prompted, or read from stdin)",
                details: """
                    The password needs 8+ characters with a digit, an upper- and a lower-case letter. Logins are
                    unique across attendants and admins, ignoring case.

                    examples:
                      atendectl admin add --name "Bruna Lima" --login bruna@example.com
                      printf '%s\\n' "$PASSWORD" | atendectl admin add --name "Rui Lima" --login rui --json
                    """,
                options: fields, run: add),
        Command(["admin", "list"], "",
                summary: "list admin accounts",
                details: "examples:\n  atendectl admin list\n  atendectl admin list --json",
                run: list),
        Command(["admin", "edit"], "ID|LOGIN [--name NAME] [--login LOGIN] [--password]",
                summary: "change an admin account's name, login or password",
                details: """
                    A new password ends the account's web sessions: browsers ask for it again.

                    examples:
                      atendectl admin edit bruna@example.com --name "Bruna Lima Souza"
                      atendectl admin edit 2 --password < new-password.txt
                    """,
                options: fields + [.flag("password", "set a new password (prompted, or the first line of stdin)")],
                run: edit),
        Command(["admin", "delete"], "ID|LOGIN",
                summary: "delete an admin account: its connections and web sessions end now",
                details: "examples:\n  atendectl admin delete 2",
                run: delete),
    ]

    static let fields: [OptionSpec] = [
        .value("name", "NAME", "first name and surname, e.g. \"Bruna Lima\""),
        .value("login", "LOGIN", "the login, usually an e-mail address (unique, any case)"),
    ]

    static func add(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        guard let name = run.arguments.value("name") else { throw Failure.usage("missing --name \"First Last\"") }
        guard let login = run.arguments.value("login") else { throw Failure.usage("missing --login LOGIN") }
        let password = try Password.readNew(for: login)
        try run.admin()
        let admin = try run.call("admin.create", ["name": .string(name), "login": .string(login),
                                                  "password": .string(password)])
        run.emit(admin) { Output.line("created admin \(admin["id"]?.intValue ?? 0): \(summary(admin))") }
    }

    static func list(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        try run.admin()
        let result = try run.call("admin.list")
        run.emit(result) {
            let admins = result["admins"]?.arrayValue ?? []
            guard !admins.isEmpty else { return Output.line("no admin accounts") }
            var table = Table([.fixed("id", right: true), .flexible("name"), .flexible("login"),
                               .fixed("last seen")])
            for admin in admins {
                table.add([String(admin["id"]?.intValue ?? 0), admin["name"]?.stringValue ?? "",
                           admin["login"]?.stringValue ?? "", admin["lastSeenAt"]?.stringValue ?? "never"])
            }
            Output.line(table.render(width: run.width))
        }
    }

    static func edit(_ run: Invocation) throws {
        let target = try run.arguments.positional(0, "admin ID or login")
        try run.arguments.expectPositionals(atMost: 1)
        var params: JSONObject = [:]
        if let name = run.arguments.value("name") { params["name"] = .string(name) }
        if let login = run.arguments.value("login") { params["login"] = .string(login) }
        if run.arguments.flag("password") { params["password"] = .string(try Password.readNew(for: target)) }
        guard !params.isEmpty else { throw Failure.usage("nothing to change (see: atendectl admin edit --help)") }
        try run.admin()
        params["id"] = .int(try resolve(target, run))
        let admin = try run.call("admin.update", .object(params))
        run.emit(admin) { Output.line("updated admin \(admin["id"]?.intValue ?? 0): \(summary(admin))") }
    }

    static func delete(_ run: Invocation) throws {
        let target = try run.arguments.positional(0, "admin ID or login")
        try run.arguments.expectPositionals(atMost: 1)
        try run.admin()
        let id = try resolve(target, run)
        let result = try run.call("admin.delete", ["id": .int(id)])
        run.emit(result) { Output.line("deleted admin \(id)") }
    }

    /// The id of the account named by `text`: a number, or a login looked up in admin.list.
    static func resolve(_ text: String, _ run: Invocation) throws -> Int64 {
        if let id = Int64(text.hasPrefix("#") ? String(text.dropFirst()) : text) { return id }
        let wanted = text.lowercased()
        let list = try run.call("admin.list")["admins"]?.arrayValue ?? []
        guard let match = list.first(where: { $0["login"]?.stringValue?.lowercased() == wanted }),
              let id = match["id"]?.intValue else {
            throw Failure.daemon(RPCError.notFound("admin with login '\(text)'"))
        }
        return id
    }

    /// `Bruna Lima <bruna@example.com>`.
    static func summary(_ admin: JSON) -> String {
        "\(admin["name"]?.stringValue ?? "") <\(admin["login"]?.stringValue ?? "")>"
    }
}
