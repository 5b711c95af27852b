// ConversationText: how conversations and messages read on a terminal — one line per chat with the contact, the
// department and how long it has been waiting or assigned — shared by the one-shot commands and `attend`.

import AtendeProtocol

/// Formats conversations and messages.
enum ConversationText {
    /// `Maria Silva +5511987654321`, or the phone alone.
    static func contact(_ conversation: JSON) -> String {
        let phone = conversation["contact"]?["phone"]?.stringValue ?? "?"
        guard let name = conversation["contact"]?["name"]?.stringValue, !name.isEmpty else { return phone }
        return "\(name) \(phone)"
    }

    /// `#12`.
    static func tag(_ conversation: JSON) -> String { "#\(conversation["id"]?.intValue ?? 0)" }

    /// `#12 Maria Silva +5511987654321 (sales, assigned)`.
    static func describe(_ conversation: JSON) -> String {
        var notes: [String] = []
        if let department = conversation["department"]?.stringValue { notes.append(department) }
        if let state = conversation["state"]?.stringValue { notes.append(state) }
        let suffix = notes.isEmpty ? "" : " (\(notes.joined(separator: ", ")))"
        return "\(tag(conversation)) \(contact(conversation))" + suffix
    }

    /// A table of conversations; the last column is the age of the timestamp named `timeKey`.
    static func table(_ list: [JSON], timeTitle: String, timeKey: String) -> Table {
        var table = Table([.fixed("id", right: true), .flexible("contact"), .fixed("department"),
                           .fixed("channel"), .fixed(timeTitle, right: true)])
        let now = TimeText.now()
        for conversation in list {
            table.add([String(conversation["id"]?.intValue ?? 0), contact(conversation),
                       conversation["department"]?.stringValue ?? "-", conversation["channel"]?.stringValue ?? "",
                       TimeText.age(conversation[timeKey]?.stringValue, now: now)])
        }
        return table
    }

    /// Who wrote an attendant message of `conversation.history {authors: true}`: "you" for `me`, else
    /// "Ana Souza, attendant" (or "attendant 7" when it is gone), else "attendant".
    static func author(_ message: JSON, me: Int64?) -> String {
        guard let attendant = message["attendant"], let id = attendant["id"]?.intValue else { return "attendant" }
        if id == me { return "you" }
        return attendant["name"]?.stringValue.map { "\($0), attendant" } ?? "attendant \(id)"
    }

    /// `10:07 transferred by Ana Souza to Rui Lima` for a `transfers` entry of `conversation.history`.
    static func transfer(_ entry: JSON, me: Int64?) -> String {
        func who(_ person: JSON?) -> String? {
            guard let person, let id = person["id"]?.intValue else { return nil }
            if id == me { return "you" }
            return person["name"]?.stringValue ?? "attendant \(id)"
        }
        var text = "\(TimeText.shortClock(entry["at"]?.stringValue)) transferred by " + (who(entry["by"]) ?? "an admin")
        if let from = who(entry["from"]), from != who(entry["by"]) { text += " from \(from)" }
        if let to = who(entry["toAttendant"]) { text += " to \(to)" }
        if let department = entry["toDepartment"]?.stringValue {
            text += entry["toAttendant"]?["id"] == nil ? " to the \(department) queue" : " (\(department))"
        }
        return text
    }

    /// `10:05 contact: text` / `10:06 you: text`; with `indent`, the lines of a multi-line text after the first
    /// are indented by it, else the text is kept on one line.
    static func message(_ message: JSON, attendantLabel: String = "attendant", indent: String? = nil) -> String {
        let from = message["from"]?.stringValue == "attendant" ? attendantLabel : "contact"
        let lines = (message["text"]?.stringValue ?? "").split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).replacingControlCharacters }
        return "\(TimeText.shortClock(message["at"]?.stringValue)) \(from): "
            + lines.joined(separator: indent.map { "\n" + $0 } ?? " ")
    }
}
