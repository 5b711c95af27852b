// Table: the human output of list commands — aligned columns with a header, numbers right-aligned, fitted to the
// terminal's width by shortening the columns marked flexible (names, logins, departments) with an ellipsis
// rather than wrapping rows. Also the "key  value" block used by `show` commands.

/// A table of text cells.
struct Table {
    /// One column.
    struct Column {
        /// The header, shown in upper case.
        let title: String
        /// Right-align the cells (numbers, durations).
        var right = false
        /// May be shortened to fit the width.
        var shrinks = false

        /// A column that keeps its width.
        static func fixed(_ title: String, right: Bool = false) -> Column { Column(title: title, right: right) }

        /// A column that may be shortened.
        static func flexible(_ title: String) -> Column { Column(title: title, shrinks: true) }
    }

    /// The columns.
    let columns: [Column]
    /// The rows; each has one cell per column.
    var rows: [[String]] = []

    /// Creates a table with these columns.
    init(_ columns: [Column]) { self.columns = columns }

    /// Adds a row.
    mutating func add(_ cells: [String]) {
        rows.append(cells.map { $0.replacingControlCharacters })
    }

    /// The table as lines no wider than `width` (when given and the fixed columns allow it).
    func render(width: Int?) -> String {
        let gap = 2
        var widths = columns.indices.map { index in
            rows.reduce(columns[index].title.displayWidth) { max($0, $1[index].displayWidth) }
        }
        if let width {
            var excess = widths.reduce(0, +) + gap * (columns.count - 1) - width
            // Take from the widest flexible column first, down to a floor of 6 characters.
            while excess > 0 {
                let candidates = columns.indices.filter { columns[$0].shrinks && widths[$0] > 6 }
                guard let widest = candidates.max(by: { widths[$0] < widths[$1] }) else { break }
                widths[widest] -= 1
                excess -= 1
            }
        }
        var lines: [String] = []
        let header = columns.indices.map { columns[$0].title.uppercased() }
        for cells in [header] + rows {
            var line = ""
            for index in columns.indices {
                let cell = cells[index].truncated(to: widths[index])
                let isLast = index == columns.count - 1
                if columns[index].right {
                    line += cell.padded(to: widths[index], left: true)
                } else {
                    line += isLast ? cell : cell.padded(to: widths[index])
                }
                if !isLast { line += String(repeating: " ", count: gap) }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// Label and value lines, labels aligned: the output of `show` commands.
struct Details {
    /// The pairs, in order.
    var pairs: [(String, String)] = []

    /// Adds a line; nil values are skipped.
    mutating func add(_ label: String, _ value: String?) {
        if let value { pairs.append((label, value.replacingControlCharacters)) }
    }

    /// The block, values cut to `width` when given.
    func render(width: Int?) -> String {
        let labelWidth = (pairs.map(\.0.count).max() ?? 0) + 2
        return pairs.map { label, value in
            let room = width.map { max(10, $0 - labelWidth) } ?? Int.max
            return label.padded(to: labelWidth) + value.truncated(to: room)
        }.joined(separator: "\n")
    }
}

extension String {
    /// Cut to `width` terminal columns (DisplayWidth), ending in "…" when cut.
    func truncated(to width: Int) -> String {
        guard displayWidth > width else { return self }
        guard width > 1 else { return String(prefix(columns: max(0, width))) }
        return String(prefix(columns: width - 1)) + "…"
    }

    /// Padded with spaces to `width` terminal columns (on the left when `left`).
    func padded(to width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - displayWidth))
        return left ? padding + self : self + padding
    }

    /// Tabs, newlines and other control characters shown as spaces, so one value stays on one line and cannot
    /// move the cursor.
    var replacingControlCharacters: String {
        func isControl(_ scalar: Unicode.Scalar) -> Bool {
            scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
        }
        guard unicodeScalars.contains(where: isControl) else { return self }
        return String(String.UnicodeScalarView(unicodeScalars.map { isControl($0) ? " " : $0 }))
    }
}
