// `settings.changed` (an atende addition): when an admin changes a permission attendants act on (removing
// potentials, reading the bot's contact agenda), every logged-in attendant hears the new settings at once, so a
// desk shows or hides "Remover" and the agenda without a reload; and when any member changes (holidays and the
// numbers included), the monitoring admins hear it too, so a panel's "Configurações" and permission switches
// follow another admin's (or atendectl's) change. Staged like any push of the turn: it goes out only once the
// turn that saved the settings has committed, and not at all if it failed.

import AtendeCore
import AtendeProtocol

extension RequestContext {
    /// The settings members an attendant's desk depends on.
    static let attendantFacingSettings = ["attendantsCanRemovePotentials", "attendantsCanViewBotContacts"]

    /// Pushes `settings.changed` (the whole Settings, as `settings.get` answers) to the monitoring admins when the
    /// settings differ from `before`, and to every logged-in attendant when a member of `attendantFacingSettings`
    /// does.
    func announceSettings(before: AccountSettings, settingsJSON: [UInt8]) {
        guard before != settings else { return }
        let toAttendants = Self.attendantFacingSettings.contains(where: { before[$0] != settings[$0] })
        guard toAttendants || !fanOut.monitors.isEmpty else { return }
        var w = JSONWriter(capacity: settingsJSON.count + 48)
        w.beginObject()
        w.field("type", "settings.changed")
        w.key("settings")
        w.raw(settingsJSON)
        w.endObject()
        let push = RPCEncoder.notification(method: "event", params: w.bytes)
        if toAttendants {
            for (attendant, _) in fanOut.sessions { fanOut.push(push, toAttendant: attendant) }
        }
        fanOut.pushToMonitors(push)
    }
}
