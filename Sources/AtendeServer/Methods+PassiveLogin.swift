// Passive logins (contract v2, `auth.login {passive: true}`): a one-shot tool such as `atendectl queue` acts as
// the attendant on its own connection without counting as the attendant being online. The connection joins no
// session: it changes neither presence nor eligibility, receives no pushes, and its end changes nothing either.

import AtendeCore
import AtendeProtocol
import AtendeStore

extension RequestContext {
    /// Finishes a passive login: the connection acts as the attendant and counts for nothing.
    func passiveLogin(_ connection: Connection, _ record: AttendantRecord) -> [UInt8] {
        connection.passive = true
        Log.info("attendant logged in (passive)", ["conn": connection.id, "att": record.id])
        var w = JSONWriter(capacity: 512)
        Wire.attendant(record, presence: router.presence(of: record.id),
                       openChats: router.openChats(of: record.id), wrappingChats: router.wrappingChats(of: record.id),
                       role: "attendant", into: &w)
        return w.bytes
    }
}

extension Daemon {
    /// `presence.set` on a passive connection: it has no presence to set.
    static let passivePresence = RPCError(
        code: RPCErrorCode.invalidState, message: "a passive login has no presence (log in without passive)",
        data: ["field": "presence", "reason": "passive connection"])
}
