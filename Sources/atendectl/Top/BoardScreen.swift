// BoardScreen: draws a Board, either as plain text for `top --once` (fitted to the width, nothing else) or as a
// full-screen frame for the live `top` (header bar, the two tables cut to the terminal's height, a key line).
// Both use the same Table cells, so what the live screen shows can be checked by a test through --once. The live
// frame uses the escape codes of DeskScreen and is written in one piece, like the `attend` screen.

import AtendeProtocol

/// Renders the `top` dashboard.
enum BoardScreen {
    /// The columns given up first, in order, when a table does not fit the width even with its flexible columns
    /// shortened: the least needed go, the figures stay.
    static let departmentDrops = [2, 1]  // strategy, name
    /// The same for the attendants table.
    static let attendantDrops = [2, 6, 5, 0]  // departments, last seen, rating, id

    /// `table` rendered for `width`, leaving out columns in the order of `drops` until its lines fit.
    static func fitted(_ table: Table, width: Int?, drops: [Int]) -> String {
        var rendered = table.render(width: width)
        guard let width else { return rendered }
        var dropped: Set<Int> = []
        for column in drops {
            guard rendered.split(separator: "\n").contains(where: { String($0).displayWidth > width }) else { break }
            dropped.insert(column)
            var smaller = Table(table.columns.indices.filter { !dropped.contains($0) }.map { table.columns[$0] })
            for row in table.rows { smaller.add(row.indices.filter { !dropped.contains($0) }.map { row[$0] }) }
            rendered = smaller.render(width: width)
        }
        return rendered
    }

    /// The departments table.
    static func departmentTable(_ rows: [Board.DepartmentRow]) -> Table {
        var table = Table([.fixed("id"), .flexible("name"), .fixed("strategy"), .fixed("waiting", right: true),
                           .fixed("oldest wait", right: true), .fixed("assigned", right: true),
                           .fixed("online", right: true)])
        for row in rows {
            table.add([row.id, row.name, row.strategy, String(row.waiting),
                       row.oldestWait.map(TimeText.duration) ?? "-", String(row.assigned), String(row.online)])
        }
        return table
    }

    /// The attendants table.
    static func attendantTable(_ attendants: [JSON], now: Double) -> Table {
        var table = Table([.fixed("id", right: true), .flexible("name"), .flexible("departments"),
                           .fixed("presence"), .fixed("chats", right: true), .fixed("rating", right: true),
                           .fixed("last seen", right: true)])
        for attendant in attendants {
            table.add([String(attendant["id"]?.intValue ?? 0), attendant["name"]?.stringValue ?? "",
                       AttendantCommands.departments(attendant), AttendantCommands.presence(attendant),
                       AttendantCommands.chats(attendant), AttendantCommands.rating(attendant, short: true),
                       lastSeen(attendant, now: now)])
        }
        return table
    }

    /// "now" while connected, else how long ago it was last connected ("3m 20s ago"), or "never".
    static func lastSeen(_ attendant: JSON, now: Double) -> String {
        let presence = attendant["presence"]?.stringValue ?? "offline"
        if presence != "offline" && attendant["active"]?.boolValue != false { return "now" }
        guard let seen = attendant["lastSeenAt"]?.stringValue else { return "never" }
        return TimeText.age(seen, now: now) + " ago"
    }

    /// The summary line: attendants online, chats waiting, potentials; then today's service level, the oldest
    /// wait and the chats stuck with offline attendants, when there are any.
    static func summary(_ board: Board, now: Double? = nil) -> String {
        let parts = summaryParts(board, now: now)
        return parts.service.isEmpty ? parts.counts : parts.counts + ", " + parts.service
    }

    /// The summary in two parts: the counts, and the service figures (empty when there are none), so that the
    /// live frame can give the second a line of its own when one line is too narrow for both.
    static func summaryParts(_ board: Board, now: Double?) -> (counts: String, service: String) {
        let (online, total) = board.onlineCount
        let counts = "\(online) of \(total) attendant\(total == 1 ? "" : "s") online, \(board.waitingTotal) waiting, "
            + "\(board.potentials) potential\(board.potentials == 1 ? "" : "s")"
        var service: [String] = []
        if let level = board.serviceLevel { service.append("service level \(Int((level * 100).rounded()))%") }
        if let now, let oldest = board.departmentRows(now: now).compactMap(\.oldestWait).max() {
            service.append("oldest wait \(TimeText.duration(oldest))")
        }
        let stuck = board.stuckChats
        if stuck > 0 { service.append("\(stuck) stuck with offline attendants") }
        return (counts, service.joined(separator: ", "))
    }

    /// The plain report of `top --once`: a summary line and both tables, no wider than `width` when given.
    static func text(_ board: Board, width: Int?, now: Double) -> String {
        let departments = board.departmentRows(now: now)
        let attendants = board.attendantRows()
        var text = "atende at \(TimeText.clock(now)): \(summary(board, now: now))\n\n"
        text += "departments (\(departments.count)):\n"
        text += departments.isEmpty ? "  none\n"
            : fitted(departmentTable(departments), width: width, drops: departmentDrops) + "\n"
        text += "\nattendants (\(attendants.count)):\n"
        text += attendants.isEmpty ? "  none\n"
            : fitted(attendantTable(attendants, now: now), width: width, drops: attendantDrops) + "\n"
        return text
    }

    // MARK: - The live frame

    /// The frame for a `rows` x `columns` terminal; `status` is the bottom line (keys, or the last problem).
    static func frame(_ board: Board, rows: Int, columns: Int, now: Double, status: (text: String, isError: Bool))
        -> String {
        let width = max(columns, 20)
        let departments = board.departmentRows(now: now)
        let attendants = board.attendantRows()
        let top = header(board, width: width, now: now)
        // Rows left for the two tables: all but the header (one or two lines), the two section rules and the key line.
        let (departmentLines, attendantLines) = split(available: max(4, rows - 3 - top.count),
                                                      departments: departments.count, attendants: attendants.count)
        var lines: [String] = top
        lines.append(DeskScreen.section("Departments \(departments.count)", width: width))
        lines += table(departmentTable(departments), drops: departmentDrops, rows: departmentLines, width: width,
                       empty: "(no departments: atendectl department add ID NAME)") { index in
            departments[index].waiting > 0 ? DeskScreen.bold : nil
        }
        lines.append(DeskScreen.section("Attendants \(attendants.count)", width: width))
        lines += table(attendantTable(attendants, now: now), drops: attendantDrops, rows: attendantLines,
                       width: width, empty: "(no attendants: atendectl attendant add)") { index in
            Board.presenceRank(attendants[index]) >= 3 ? DeskScreen.dim : nil
        }
        while lines.count < rows - 1 { lines.append("") }
        let bottom = status.text.replacingControlCharacters.truncated(to: width)
        lines.append((status.isError ? DeskScreen.red : DeskScreen.dim) + bottom + DeskScreen.reset)
        if lines.count > rows { lines = Array(lines.prefix(max(0, rows - 1))) + lines.suffix(1) }

        var out = DeskScreen.escape + "?25l" + DeskScreen.escape + "H"
        for (index, line) in lines.enumerated() {
            out += line + DeskScreen.escape + "K" + (index < lines.count - 1 ? "\r\n" : "")
        }
        return out + DeskScreen.escape + "J"
    }

    /// The key line shown when nothing went wrong.
    static func keys(_ sort: Board.SortKey) -> String {
        "q quit   sort: w waiting, p presence, n name (now: \(sort.rawValue))   r read everything again"
    }

    /// How many lines each table gets (its header included) out of `available`: both whole when they fit,
    /// else the departments at most half unless the attendants need less.
    static func split(available: Int, departments: Int, attendants: Int) -> (Int, Int) {
        let wantDepartments = 1 + max(1, departments), wantAttendants = 1 + max(1, attendants)
        if wantDepartments + wantAttendants <= available { return (wantDepartments, wantAttendants) }
        let forDepartments = min(wantDepartments, max(2, available - wantAttendants, available / 2))
        return (forDepartments, max(2, available - forDepartments))
    }

    /// The bar at the top: the totals on the left, the clock on the right; when the service figures do not fit
    /// beside them (an 80-column terminal), they get a second line, stuck chats in red, rather than being cut.
    static func header(_ board: Board, width: Int, now: Double) -> [String] {
        let parts = summaryParts(board, now: now)
        let right = " " + TimeText.clock(now) + " "
        let room = max(0, width - right.displayWidth)
        let whole = " atende top | \(summary(board, now: now))"
        if whole.displayWidth <= room || parts.service.isEmpty {
            let text = whole.displayWidth > room ? whole.truncated(to: room) : whole.padded(to: room)
            return [DeskScreen.reverse + text + right + DeskScreen.reset]
        }
        let left = " atende top | \(parts.counts)"
        let text = left.displayWidth > room ? left.truncated(to: room) : left.padded(to: room)
        let tone = board.stuckChats > 0 ? DeskScreen.red : ""
        return [DeskScreen.reverse + text + right + DeskScreen.reset,
                tone + DeskScreen.bold + (" " + parts.service).truncated(to: width) + DeskScreen.reset]
    }

    /// A table cut to `rows` lines (the last saying how many more rows there are), each line cut to the width and
    /// styled by `style(rowIndex)`.
    static func table(_ table: Table, drops: [Int], rows: Int, width: Int, empty: String, style: (Int) -> String?)
        -> [String] {
        guard !table.rows.isEmpty else {
            return [DeskScreen.dim + "  " + empty.truncated(to: width - 2) + DeskScreen.reset]
        }
        let rendered = fitted(table, width: width, drops: drops)
            .split(separator: "\n", omittingEmptySubsequences: false).map { String($0).truncated(to: width) }
        var lines = [DeskScreen.bold + rendered[0] + DeskScreen.reset]
        let body = Array(rendered.dropFirst())
        let shown = body.count + 1 <= rows ? body.count : max(0, rows - 2)
        for index in 0..<shown {
            lines.append(style(index).map { $0 + body[index] + DeskScreen.reset } ?? body[index])
        }
        if shown < body.count {
            lines.append(DeskScreen.dim + "  … and \(body.count - shown) more" + DeskScreen.reset)
        }
        return lines
    }
}
