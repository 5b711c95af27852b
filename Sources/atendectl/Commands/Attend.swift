// Attend: the `atendectl attend` command — its help (also shown by `help` at the prompt) and the checks before
// the session starts: a terminal on both ends, then the login on the connection the session will keep. The
// session itself (poll loop, screen, typed commands) is in Attend/.

import Glibc

/// `attend`.
enum AttendCommand {
    static let help = """
        commands at the prompt (IDs may be written 12 or #12):
          take ID                  take a waiting chat of your departments
          accept ID | decline ID   answer a chat offered to you before its countdown ends (also: a ID, d ID)
          done ID                  end the wrap-up of a chat you closed, freeing its slot now
          reply ID TEXT            send TEXT to the contact (also: r ID TEXT)
          transfer ID DEPARTMENT   send the chat to another department's queue
          transfer ID @WHO         hand the chat to a colleague: WHO is a login, a name or a number
                                   (optionally + DEPARTMENT); 'colleagues' lists them
          close ID                 close the chat
          history ID               show the chat's last messages under Activity (also: h ID)
          away | online            stop / resume getting new chats
          colleagues               who shares your departments (for transfer ID @WHO)
          refresh                  read the lists again
          help                     this list
          quit                     leave (also Ctrl-C, or Ctrl-D on an empty line)
        keys: Left/Right/Home/End move, Up/Down recall earlier commands, Ctrl-U clears, Ctrl-W deletes a word,
        Ctrl-L redraws.
        """

    /// The commands in a few lines, for `help` inside the desk: the activity pane is only a dozen lines on a
    /// 24-line terminal, and the whole list above would scroll its first half away.
    static let shortHelp = [
        "take ID · accept|a ID · decline|d ID · done ID (end a wrap-up) · reply|r ID TEXT · close ID",
        "history|h ID (the last messages) · colleagues · away · online · refresh · quit",
        "transfer ID DEPARTMENT · transfer ID @WHO [DEPARTMENT] (WHO: a login, a name or a number)",
        "(the whole list with what each does: atendectl attend --help)",
    ]

    static let all: [Command] = [
        Command(["attend"], "[--login LOGIN]",
                summary: "an attendant's live desk in the terminal: chats, queue, replies",
                details: """
                    Logs in (--login, else $ATENDE_LOGIN; password from $ATENDE_PASSWORD or a prompt) and keeps the
                    connection open: you are online while it runs and offline when you quit (your open chats stay
                    yours). The screen shows your open chats with their last message, the waiting chats of your
                    departments and an activity log, all updated live from the daemon's pushes. Needs a terminal;
                    works in tmux and screen.

                    \(help)

                    examples:
                      atendectl attend --login ana@example.com
                      tmux new-session 'atendectl attend --login ana@example.com'
                    """,
                options: [.value("login", "LOGIN", "the attendant to log in as (default: $ATENDE_LOGIN)")],
                run: attend),
    ]

    static func attend(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        guard !run.json else { throw Failure.usage("attend is interactive; --json does not apply") }
        guard Terminal.isTerminal(STDIN_FILENO), Terminal.isTerminal(STDOUT_FILENO) else {
            throw Failure.usage("attend needs a terminal on stdin and stdout (use the one-shot commands in scripts)")
        }
        let me = try run.attendant(passive: false)
        let session = AttendSession(client: try run.connect(), me: me) {
            try run.reconnect(attendant: false)
        }
        session.desk.note("logged in as \(me["login"]?.stringValue ?? "?"), presence \(session.desk.presence)")
        try session.load()
        try session.run()
    }
}
