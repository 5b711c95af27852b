// Top: the `atendectl top` command (admin) — the live dashboard of every department and attendant, or with
// --once a single report for scripts and for when there is no terminal. The screen and the loop are in Top/;
// this file holds the help and the checks before the session starts.

import AtendeProtocol
import Glibc

/// `top`.
enum TopCommand {
    static let all: [Command] = [
        Command(["top"], "[--once] [--sort waiting|presence|name]",
                summary: "live dashboard of departments and attendants, updated from the daemon's pushes (admin)",
                details: """
                    Departments: waiting chats, how long the oldest has waited, assigned chats and attendants
                    online. Attendants: presence, open chats of their maximum, rating and when last seen. The
                    screen follows the daemon's pushes (monitor.subscribe) and redraws every second; it works in
                    tmux and screen and fits the terminal's width and height.

                    keys: q or Ctrl-C quits; w sorts by waiting chats (attendants by open chats), p by presence
                    (departments by attendants online), n by name; r reads everything again; Ctrl-L redraws.

                    --once prints one report and exits, without a terminal (with --json: the three results as
                    they came from the daemon).

                    examples:
                      atendectl top
                      atendectl top --sort presence
                      atendectl top --once
                      watch -n 5 atendectl top --once
                    """,
                options: [.flag("once", "print one report and exit (no terminal needed)"),
                          .value("sort", "KEY", "the order at start: waiting (default), presence or name")],
                run: top),
    ]

    static func top(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        var sort = Board.SortKey.waiting
        if let text = run.arguments.value("sort") {
            guard let key = Board.SortKey(rawValue: text) else {
                throw Failure.usage("--sort must be one of: "
                    + Board.SortKey.allCases.map(\.rawValue).joined(separator: ", "))
            }
            sort = key
        }
        if run.arguments.flag("once") { return try once(run, sort: sort) }
        guard !run.json else { throw Failure.usage("top is interactive; --json needs --once") }
        guard Terminal.isTerminal(STDIN_FILENO), Terminal.isTerminal(STDOUT_FILENO) else {
            throw Failure.usage("top needs a terminal on stdin and stdout (use: atendectl top --once)")
        }
        try run.admin()
        let session = TopSession(client: try run.connect(), sort: sort)
        session.reconnect = { try run.reconnect().client }
        try session.snapshot(subscribe: true)
        try session.run()
    }

    static func once(_ run: Invocation, sort: Board.SortKey) throws {
        try run.admin()
        let departments = try run.call("department.list")
        let attendants = try run.call("attendant.list")
        let stats = try run.call("stats.get")
        let now = TimeText.now()
        let result: JSON = ["departments": departments["departments"] ?? [], "stats": stats,
                            "attendants": attendants["attendants"] ?? []]
        run.emit(result) {
            var board = Board()
            board.sort = sort
            board.load(departments: departments)
            board.load(attendants: attendants)
            board.load(stats: stats, at: now)
            Output.raw(BoardScreen.text(board, width: run.width, now: now))
        }
    }
}
