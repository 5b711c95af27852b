// What a terminal frame shows: its lines with the escape sequences (cursor moves, colours) taken out.

/// `frame`'s lines as shown, escape sequences removed.
func visibleLines(_ frame: String) -> [String] {
    var text = ""
    var inEscape = false
    for character in frame {
        if inEscape {
            if character.isLetter { inEscape = false }
        } else if character == "\u{1B}" {
            inEscape = true
        } else {
            text.append(character)
        }
    }
    return text.components(separatedBy: "\r\n")
}
