// FanOut, telling attendants when the daemon changed their presence (contract v2's `presence.changed`): when
// working hours end or start (a boundary timer, or an admin editing the hours), the presence computed for a
// logged-in attendant moves to or from `off-hours` without the attendant doing anything, and its open
// connections hear it at once instead of showing a stale state until the next command.

import AtendeCore
import AtendeProtocol

extension FanOut {
    /// For each attendant changed this turn that has connections: a `presence.changed` push when its presence
    /// moved to or from `off-hours` since its connections last heard (they hear of the first presence from
    /// `auth.login`, and of online/away from their own `presence.set`).
    func announcePresence(router: borrowing Router) {
        for attendant in dirtyAttendants {
            guard let ids = sessions[attendant], !ids.isEmpty else {
                announcedPresence[attendant] = nil
                continue
            }
            let presence = router.presence(of: attendant)
            guard let heard = announcedPresence[attendant] else {
                announcedPresence[attendant] = presence
                continue
            }
            guard heard != presence else { continue }
            announcedPresence[attendant] = presence
            guard heard == .offHours || presence == .offHours else { continue }
            push(Wire.presenceChanged(presence, reason: "hours"), toAttendant: attendant)
        }
    }
}
