// LineEditor: the command line at the bottom of `attend`, fed the raw bytes of the keyboard. It understands
// enough of a terminal to be pleasant — UTF-8 text, backspace, Ctrl-U/W/K/A/E, arrows for the cursor and the
// history — and turns the rest into actions (submit, quit, redraw). Escape sequences and multi-byte characters
// may arrive split across reads, so unfinished input waits in `pending`.

/// A one-line editor driven by key bytes.
struct LineEditor {
    /// What a key asks the session to do.
    enum Action: Equatable {
        /// Run this line.
        case submit(String)
        /// Leave `attend`.
        case quit
        /// Draw everything again.
        case redraw
    }

    /// The characters typed.
    private(set) var text: [Character] = []
    /// The cursor, as an index into `text`.
    private(set) var cursor = 0
    /// Lines submitted before, oldest first.
    private var history: [String] = []
    /// Which history line is shown, while browsing it.
    private var historyIndex: Int?
    /// Bytes of an escape sequence or a character not yet complete.
    private var pending: [UInt8] = []

    /// The line as a string.
    var line: String { String(text) }

    /// Feeds key bytes; returns the actions they complete, in order.
    mutating func feed(_ bytes: [UInt8]) -> [Action] {
        var actions: [Action] = []
        for byte in bytes {
            if !pending.isEmpty {
                pending.append(byte)
                if pending[0] == 0x1B { finishEscape() } else { finishCharacter() }
                continue
            }
            switch byte {
            case 0x1B, 0xC0...0xFF: pending = [byte]
            case 0x03: actions.append(.quit)
            case 0x04:
                if text.isEmpty { actions.append(.quit) } else if cursor < text.count { text.remove(at: cursor) }
            case 0x0D, 0x0A:
                let submitted = line
                if !submitted.trimmed.isEmpty && history.last != submitted { history.append(submitted) }
                text = []
                cursor = 0
                historyIndex = nil
                actions.append(.submit(submitted))
            case 0x7F, 0x08:
                if cursor > 0 {
                    cursor -= 1
                    text.remove(at: cursor)
                }
            case 0x15:
                text.removeSubrange(0..<cursor)
                cursor = 0
            case 0x0B: text.removeSubrange(cursor...)
            case 0x17: deleteWord()
            case 0x01: cursor = 0
            case 0x05: cursor = text.count
            case 0x0C: actions.append(.redraw)
            case 0x09: insert(" ")
            case 0x20..<0x7F: insert(Character(Unicode.Scalar(byte)))
            default: break
            }
        }
        return actions
    }

    private mutating func insert(_ character: Character) {
        text.insert(character, at: cursor)
        cursor += 1
    }

    private mutating func deleteWord() {
        var start = cursor
        while start > 0 && text[start - 1] == " " { start -= 1 }
        while start > 0 && text[start - 1] != " " { start -= 1 }
        text.removeSubrange(start..<cursor)
        cursor = start
    }

    /// Completes a UTF-8 character once all its bytes are there (invalid bytes are dropped).
    private mutating func finishCharacter() {
        let lead = pending[0]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        if pending.count > 1 && pending.last! & 0xC0 != 0x80 {
            pending = []
            return
        }
        guard pending.count >= length else { return }
        if let scalar = String(validating: pending, as: UTF8.self) { for character in scalar { insert(character) } }
        pending = []
    }

    /// Acts on an escape sequence once its final byte is there: arrows, Home/End, Delete; others are ignored.
    private mutating func finishEscape() {
        guard pending.count >= 2 else { return }
        guard pending[1] == UInt8(ascii: "[") || pending[1] == UInt8(ascii: "O") else {
            pending = []
            return
        }
        guard pending.count >= 3, let final = pending.last, (0x40...0x7E).contains(final) else {
            if pending.count > 16 { pending = [] }
            return
        }
        let sequence = String(decoding: pending.dropFirst(2), as: UTF8.self)
        pending = []
        switch sequence {
        case "A": browseHistory(-1)
        case "B": browseHistory(1)
        case "C": cursor = min(text.count, cursor + 1)
        case "D": cursor = max(0, cursor - 1)
        case "H", "1~", "7~": cursor = 0
        case "F", "4~", "8~": cursor = text.count
        case "3~": if cursor < text.count { text.remove(at: cursor) }
        default: break
        }
    }

    private mutating func browseHistory(_ step: Int) {
        guard !history.isEmpty else { return }
        let next = (historyIndex ?? history.count) + step
        if next >= history.count {
            historyIndex = nil
            text = []
        } else {
            historyIndex = max(0, next)
            text = Array(history[historyIndex!])
        }
        cursor = text.count
    }
}
