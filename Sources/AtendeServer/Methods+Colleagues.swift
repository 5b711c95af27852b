// `attendant.colleagues` (an atende addition): the attendants an attendant can hand a chat to by hand, that is
// the active attendants sharing at least one of its departments, with their presence, so `transfer` can take a
// name or a login instead of a number nobody knows. Attendants cannot call attendant.list (phones, e-mails and
// hours are the admin's business); this shows only id, name, login, departments and presence.

import AtendeCore
import AtendeProtocol

extension RequestContext {
    func attendantColleagues(_ params: Params) throws -> Outcome {
        try params.rejectUnknown([])
        guard let me = connection.attendant, let mine = router.profile(of: me) else {
            throw RPCError.unauthenticated()
        }
        let records = try store.attendants().filter { record in
            record.id != me && record.active && record.departments.contains(where: mine.departments.contains)
        }
        var w = JSONWriter(capacity: 128 + records.count * 160)
        w.beginObject()
        w.key("attendants")
        w.beginArray()
        for record in records {
            w.beginObject()
            w.field("id", record.id)
            w.field("name", record.name)
            w.field("login", record.login)
            w.key("departments")
            w.beginArray()
            for department in record.departments { w.string(department) }
            w.endArray()
            w.field("presence", router.presence(of: record.id).rawValue)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return .result(w.bytes)
    }
}
