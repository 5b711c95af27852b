// `conversation.history {authors: true}`: the transcript with who wrote each attendant message (`attendant:
// {id, name}`) and a `transfers` list (when, by whom, from whom, to which department or attendant), so a chat
// that passed through several attendants reads right for each of them. Without `authors` the answer is the v1
// one, byte for byte. Names come from the attendants' records; a deleted attendant shows its id with a null name.

import AtendeCore
import AtendeProtocol
import AtendeStore

extension RequestContext {
    func historyWithAuthors(_ conversation: Conversation, _ messages: [Message]) throws -> [UInt8] {
        let authors = try store.authors(of: messages)
        let transfers = try store.transfers(conversation.id)
        var names: [AttendantID: String?] = [:]
        func name(_ id: AttendantID) throws -> String? {
            if let known = names[id] { return known }
            let found = try store.attendant(id)?.name
            names[id] = found
            return found
        }
        /// `{id, name}` of an attendant (or, with `named`, of another kind of account), or null.
        func person(_ key: StaticString, _ id: Int64?, into w: inout JSONWriter,
                    named: (Int64) throws -> String? = name) throws {
            w.key(key)
            guard let id else { return w.null() }
            w.beginObject()
            w.field("id", id)
            w.key("name")
            if let text = try named(id) { w.string(text) } else { w.null() }
            w.endObject()
        }
        var w = JSONWriter(capacity: 256 + messages.count * 128)
        w.beginObject()
        w.key("messages")
        w.beginArray()
        for message in messages {
            w.beginObject()
            w.field("id", message.id)
            w.field("from", message.from.rawValue)
            w.field("text", message.text)
            Wire.instant("at", message.at, into: &w)
            if message.from == .attendant { try person("attendant", authors[message.id], into: &w) }
            w.endObject()
        }
        w.endArray()
        w.key("transfers")
        w.beginArray()
        for transfer in transfers {
            w.beginObject()
            Wire.instant("at", transfer.at, into: &w)
            try person("by", transfer.byAttendant, into: &w)
            // An extension: the admin account that made it, when one did (`by` is null then).
            try person("byAdmin", transfer.byAdmin, into: &w) { try store.admin($0)?.name }
            try person("from", transfer.fromAttendant, into: &w)
            w.key("toDepartment")
            if let department = transfer.toDepartment { w.string(department) } else { w.null() }
            try person("toAttendant", transfer.toAttendant, into: &w)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }
}
