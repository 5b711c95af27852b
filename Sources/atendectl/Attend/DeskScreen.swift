// DeskScreen: draws a Desk on a terminal with plain ANSI escape codes (cursor home, erase line, SGR colours),
// which tmux, screen and every xterm understand. The whole frame is built as one string and written at once, so
// a redraw never shows half a screen; lines are cut to the width so nothing wraps and scrolls the frame.

import AtendeProtocol

/// Renders the `attend` screen.
enum DeskScreen {
    static let escape = "\u{1B}["
    static let reset = escape + "0m"
    static let bold = escape + "1m"
    static let dim = escape + "2m"
    static let reverse = escape + "7m"
    static let red = escape + "31m"
    static let green = escape + "32m"
    static let yellow = escape + "33m"
    static let cyan = escape + "36m"

    /// Enters the alternate screen (the shell's screen comes back on exit).
    static let enter = escape + "?1049h" + escape + "H" + escape + "2J"
    /// Leaves the alternate screen and shows the cursor.
    static let leave = escape + "?25h" + escape + "?1049l"

    /// The frame for `desk` on a `rows` x `columns` terminal, with the command line `input` and its cursor.
    static func frame(_ desk: Desk, input: (text: String, cursor: Int), rows: Int, columns: Int,
                      now: Double) -> String {
        let width = max(columns, 20)
        var lines: [String] = []
        lines.append(header(desk, width: width, now: now))
        let mine = desk.offers + desk.assigned
        // Fixed lines: the header, three section titles, the status and the prompt, and the column headings of
        // each list that has rows. What is left is shared by the lists and the activity log.
        let headingRows = (mine.isEmpty ? 0 : 1) + (desk.waiting.isEmpty ? 0 : 1)
        let available = max(0, rows - 6 - headingRows)
        let chatRows = min(max(mine.count, 1), max(1, available / 2))
        let waitRows = min(max(desk.waiting.count, 1), max(1, (available - chatRows) / 2))
        let noteRows = max(0, available - chatRows - waitRows)

        let wrapUps = desk.wrapping.keys.sorted().map { id in
            let left = TimeText.parse(desk.wrapping[id]!).map { max(0, $0 - now) } ?? 0
            return "#\(id) \(TimeText.duration(left.rounded(.up)))"
        }.joined(separator: ", ")
        let held = desk.assigned.count + desk.offers.count + desk.wrapping.count
        lines.append(section("My chats \(held)/\(desk.maxChats)"
                             + (wrapUps.isEmpty ? "" : " · wrap-up \(wrapUps) (done ID)"), width: width))
        if !mine.isEmpty { lines.append(headings(width: width, time: "no reply", last: "last message")) }
        lines += list(mine, rows: chatRows, width: width,
                      empty: "(none: chats are routed to you while you are online; or type: take ID)") { chat in
            chat["state"]?.stringValue == "offered" ? offerLine(chat, width: width, now: now)
                : chatLine(chat, desk: desk, width: width, now: now)
        }
        lines.append(section("Waiting in your departments \(desk.waiting.count)", width: width))
        if !desk.waiting.isEmpty { lines.append(headings(width: width, time: "waiting", last: "first message")) }
        lines += list(desk.waiting, rows: waitRows, width: width, empty: "(nobody is waiting)") { chat in
            waitingLine(chat, desk: desk, width: width, now: now)
        }
        lines.append(section("Activity", width: width))
        lines += activity(desk.notes, rows: noteRows, width: width)
        while lines.count < rows - 2 { lines.append("") }
        let status = desk.status.text.replacingControlCharacters.truncated(to: width)
        lines.append(desk.status.isError ? red + status + reset : dim + status + reset)
        let (visible, cursorColumn) = promptLine(input.text, cursor: input.cursor, width: width)
        lines.append(bold + "> " + reset + visible)

        if lines.count > rows { lines = Array(lines.prefix(max(0, rows - 2))) + lines.suffix(min(2, rows)) }

        var out = escape + "?25l" + escape + "H"
        for (index, line) in lines.enumerated() {
            out += line + escape + "K" + (index < lines.count - 1 ? "\r\n" : "")
        }
        out += escape + "J" + escape + "\(lines.count);\(cursorColumn)H" + escape + "?25h"
        return out
    }

    static func header(_ desk: Desk, width: Int, now: Double) -> String {
        let name = desk.me["name"]?.stringValue ?? ""
        let login = desk.me["login"]?.stringValue ?? ""
        let departments = AttendantCommands.departments(desk.me)
        let left = " atende | \(name) <\(login)> | \(desk.presence.uppercased()) | \(departments)"
        let right = " " + TimeText.clock(now) + " "
        let room = width - right.displayWidth
        let text = left.displayWidth > room ? left.truncated(to: room) : left.padded(to: room)
        let tone = desk.presence == "online" ? green : yellow
        return reverse + tone + text + right + reset
    }

    static func section(_ title: String, width: Int) -> String {
        let label = "── " + title + " "
        let rule = String(repeating: "─", count: max(0, width - label.displayWidth))
        return bold + (label + rule).truncated(to: width) + reset
    }

    /// `rows` lines for `items`; when they do not fit, the last line says how many more there are.
    static func list(_ items: [JSON], rows: Int, width: Int, empty: String, line: (JSON) -> String) -> [String] {
        guard !items.isEmpty else { return [dim + "  " + empty.truncated(to: width - 2) + reset] }
        guard items.count > rows else { return items.map(line) }
        let shown = max(0, rows - 1)
        return items.prefix(shown).map(line) + [dim + "  … and \(items.count - shown) more" + reset]
    }

    /// The width of the contact column: 30 characters, less on a narrow terminal.
    static func contactWidth(_ width: Int) -> Int { min(30, max(12, width / 4)) }

    /// The column headings over a list of chats.
    static func headings(width: Int, time: String, last: String) -> String {
        let contact = contactWidth(width)
        let text = " " + "chat".padded(to: 6) + " " + "contact".padded(to: contact) + " " + "department".padded(to: 12)
            + " " + time.padded(to: 8, left: true) + "  " + "  " + last
        return dim + text.truncated(to: width) + reset
    }

    /// How long the contact has been waiting for a reply: since its last message when that is the last one of
    /// the chat, else "-" (answered); since the assignment when no message is known yet.
    static func waitingForReply(_ chat: JSON, desk: Desk, now: Double) -> String {
        let id = chat["id"]?.intValue ?? 0
        guard let message = desk.lastMessage[id] else { return TimeText.age(chat["assignedAt"]?.stringValue, now: now) }
        guard message["from"]?.stringValue == "contact" else { return "-" }
        return TimeText.age(message["at"]?.stringValue, now: now)
    }

    static func chatLine(_ chat: JSON, desk: Desk, width: Int, now: Double) -> String {
        let id = chat["id"]?.intValue ?? 0
        let unread = desk.unread.contains(id)
        let contact = contactWidth(width)
        var text = " " + ConversationText.tag(chat).padded(to: 6) + " "
            + ConversationText.contact(chat).truncated(to: contact).padded(to: contact) + " "
            + (chat["department"]?.stringValue ?? "-").truncated(to: 12).padded(to: 12) + " "
            + waitingForReply(chat, desk: desk, now: now).padded(to: 8, left: true) + "  "
        // The department takes the chat back unanswered at replyDueAt: the time left comes first.
        let due = chat["replyDueAt"]?.stringValue.flatMap(TimeText.parse).map { $0 - now }
        if let due, due > 0 { text += "[reply within \(TimeText.duration(due.rounded(.up)))] " }
        if let message = desk.lastMessage[id] {
            let who = message["from"]?.stringValue == "attendant" ? "you: " : ""
            text += (unread ? "* " : "  ") + who + (message["text"]?.stringValue ?? "").replacingControlCharacters
        }
        let line = text.truncated(to: width)
        return unread ? bold + line + reset : line
    }

    /// An offer with its countdown: `#12 OFFER Maria ... sales  23s left  accept 12 / decline 12`.
    static func offerLine(_ chat: JSON, width: Int, now: Double) -> String {
        let id = chat["id"]?.intValue ?? 0
        let contact = contactWidth(width)
        let left = chat["offerExpiresAt"]?.stringValue.flatMap(TimeText.parse).map { max(0, $0 - now) } ?? 0
        let text = " " + ConversationText.tag(chat).padded(to: 6) + " "
            + ConversationText.contact(chat).truncated(to: contact).padded(to: contact) + " "
            + (chat["department"]?.stringValue ?? "-").truncated(to: 12).padded(to: 12) + " "
            + "OFFER \(Int(left.rounded(.up)))s left: accept \(id) / decline \(id)"
        return yellow + bold + text.truncated(to: width) + reset
    }

    static func waitingLine(_ chat: JSON, desk: Desk, width: Int, now: Double) -> String {
        let contact = contactWidth(width)
        let id = chat["id"]?.intValue ?? 0
        let first = desk.firstMessage[id]?["text"]?.stringValue.map { "  " + $0.replacingControlCharacters } ?? ""
        return (" " + ConversationText.tag(chat).padded(to: 6) + " "
            + ConversationText.contact(chat).truncated(to: contact).padded(to: contact) + " "
            + (chat["department"]?.stringValue ?? "-").truncated(to: 12).padded(to: 12) + " "
            + TimeText.age(chat["queuedAt"]?.stringValue, now: now).padded(to: 8, left: true) + "  " + first)
            .truncated(to: width)
    }

    /// The newest notes that fit in `rows` lines, each wrapped to the width, oldest at the top.
    static func activity(_ notes: [Desk.Note], rows: Int, width: Int) -> [String] {
        guard rows > 0 else { return [] }
        var lines: [String] = []
        for note in notes.reversed() {
            let prefix = TimeText.bareClock(note.time) + " "
            let wrapped = wrap(note.text, first: width - prefix.count, rest: width - prefix.count)
            let tone: String
            switch note.tone {
            case .info: tone = ""
            case .incoming: tone = bold
            case .outgoing: tone = cyan
            case .alert: tone = yellow
            case .error: tone = red
            }
            var block: [String] = []
            for (index, part) in wrapped.enumerated() {
                let lead = index == 0 ? dim + prefix + reset : String(repeating: " ", count: prefix.count)
                block.append(lead + tone + part + (tone.isEmpty ? "" : reset))
            }
            lines.insert(contentsOf: block, at: 0)
            if lines.count >= rows { break }
        }
        return Array(lines.suffix(rows))
    }

    /// `text` cut into pieces of at most `first` then `rest` terminal columns, preferring to break at spaces.
    static func wrap(_ text: String, first: Int, rest: Int) -> [String] {
        var pieces: [String] = []
        var remaining = Substring(text)
        var limit = max(2, first)
        while String(remaining).displayWidth > limit {
            var window = String(remaining).prefix(columns: limit)
            if window.isEmpty { window = String(remaining).prefix(1) }
            let end = remaining.index(remaining.startIndex, offsetBy: window.count)
            let space = remaining[..<end].lastIndex(of: " ")
            let cut = space.flatMap { $0 > remaining.startIndex ? $0 : nil } ?? end
            pieces.append(String(remaining[..<cut]))
            remaining = remaining[cut...].drop { $0 == " " }
            limit = max(2, rest)
        }
        pieces.append(String(remaining))
        return pieces
    }

    /// The part of the command line that fits, and the 1-based screen column of the cursor (both in terminal
    /// columns: a wide character takes two).
    static func promptLine(_ text: String, cursor: Int, width: Int) -> (String, Int) {
        let room = max(2, width - 3)
        let characters = Array(text.replacingControlCharacters)
        let cursor = min(max(0, cursor), characters.count)
        var start = 0
        func columns(_ range: Range<Int>) -> Int { range.reduce(0) { $0 + DisplayWidth.of(characters[$1]) } }
        while start < cursor && columns(start..<cursor) + 1 > room { start += 1 }
        var end = start
        while end < characters.count && columns(start..<(end + 1)) <= room { end += 1 }
        return (String(characters[start..<end]), 3 + columns(start..<cursor))
    }
}
