// Login: `atendectl login` checks an attendant's credentials and says what a session means here. A session
// belongs to a connection and every atendectl run is a new connection, so there is nothing to "stay logged in"
// to: the one-shot commands take --login and log in on their own connection, and `attend` keeps one open.

import AtendeProtocol

/// `login`.
enum LoginCommand {
    /// The paragraph every attendant command's help repeats.
    static let sessionNote = """
        Attendant sessions belong to a connection, and each atendectl run is its own connection: this command logs
        in first (--login LOGIN, else $ATENDE_LOGIN; the password from $ATENDE_PASSWORD, else a prompt without
        echo, else the first line of stdin), does its work and hangs up. That login is passive: it does not make
        the attendant online, so no waiting chat is routed to the attendant because of it. For a session that
        lasts (online, receiving chats), use 'atendectl attend'.
        """

    static let all: [Command] = [
        Command(["login"], "[LOGIN]",
                summary: "check an attendant's login and password",
                details: """
                    Logs in, prints who you are and hangs up. The login is the argument, --login, or $ATENDE_LOGIN.

                    \(sessionNote)

                    examples:
                      atendectl login ana@example.com
                      ATENDE_LOGIN=ana@example.com atendectl login --json < password.txt
                    """,
                options: [.value("login", "LOGIN", "the login (instead of the argument)")],
                run: login),
    ]

    static func login(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 1)
        let attendant = try run.attendant(login: run.arguments.positionals.first)
        run.emit(attendant) {
            let name = attendant["name"]?.stringValue ?? ""
            let login = attendant["login"]?.stringValue ?? ""
            Output.line("ok: \(name) <\(login)> (attendant \(attendant["id"]?.intValue ?? 0)), "
                + "departments: \(AttendantCommands.departments(attendant)), "
                + "presence: \(attendant["presence"]?.stringValue ?? "?"), "
                + "open chats: \(AttendantCommands.chats(attendant))")
            Output.stderr("""
                note: this session ended when atendectl exited. Pass --login \(login) to queue, take, reply,
                transfer and close, or run 'atendectl attend --login \(login)' for a live session.

                """)
        }
    }
}
