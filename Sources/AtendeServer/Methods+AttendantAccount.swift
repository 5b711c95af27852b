// The attendant's account, contract v2: `attendant.unlock` clears the login throttle of an attendant's login (after
// 5 failed logins it is locked out for a while; `attendant.get` shows the lock as `lockedUntil`), and
// `attendant.delete` removes an attendant that holds no open chat. A deleted attendant's login is free again;
// its closed chats keep its id, which is never given to anyone else. In the router it stays as an inactive
// profile serving nothing until the next start, so a connection still logged in as it is refused everything.

import AtendeCore
import AtendeProtocol
import AtendeStore

extension RequestContext {
    func attendantUnlock(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        let id = try params.int("id")
        guard let record = try store.attendant(id) else { throw RPCError.notFound("attendant \(id)", field: "id") }
        throttle.clear(Login.key(record.login))
        Log.info("attendant unlocked", ["att": id])
        return .result(Wire.ok)
    }

    func attendantDelete(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        let id = try params.int("id")
        guard let record = try store.attendant(id), var profile = router.profile(of: id) else {
            throw RPCError.notFound("attendant \(id)", field: "id")
        }
        let open = router.openChats(of: id)
        guard open == 0 else {
            throw RPCError(code: RPCErrorCode.invalidState,
                           message: "attendant \(id) has \(open) open chat\(open == 1 ? "" : "s"): "
                               + "close or transfer them first",
                           data: ["field": "id", "reason": "has open chats"])
        }
        try store.deleteAttendant(id)
        profile.active = false
        profile.departments = []
        apply(router.upsertAttendant(profile, now: now), now: now)
        throttle.clear(Login.key(record.login))
        endSessions(of: id, reason: "deleted", now: now)
        Log.info("attendant deleted", ["att": id])
        return .result(Wire.ok)
    }

    /// `attendant.get`'s answer: the Attendant, plus `lockedUntil` while its login is locked out by failed logins.
    func attendantJSONWithLock(_ record: AttendantRecord, now: Instant) -> [UInt8] {
        var bytes = attendantJSON(record)
        guard let until = throttle.lockedUntil(Login.key(record.login), now: now),
              bytes.last == UInt8(ascii: "}") else { return bytes }
        bytes.removeLast()
        bytes += Array(#","lockedUntil":""#.utf8)
        until.writeISO8601(into: &bytes)
        bytes += Array(#""}"#.utf8)
        return bytes
    }
}
