// Holidays (contract v2): settings `holidays: [{date, name}]`, days off for every attendant whose hours are not
// "always" and who has no exception of its own that date. The router sees them folded into each attendant's
// hours (`routingProfile`), so routing, presence, the hours timers, `opensAt` and the login rule all read them;
// the attendant's own hours on the wire stay as the admin wrote them.

import AtendeCore
import AtendeProtocol
import AtendeStore

extension AttendantRecord {
    /// The routing profile of the attendant, with the account's holidays as days off.
    func routingProfile(_ settings: AccountSettings) -> AttendantProfile {
        var profile = self.profile
        profile.hours = profile.hours.closing(holidays: settings.holidayDays)
        return profile
    }
}

extension RequestContext {
    /// The most holidays the settings hold.
    static let maxHolidays = 1000

    /// The routing profile of an attendant, with the current holidays.
    func routingProfile(_ record: AttendantRecord) -> AttendantProfile { record.routingProfile(settings) }

    /// The holiday that closes `hours` at `now` (they are inside without the holidays), if one does. Only the
    /// dates within a day of `now`'s UTC date can be its date in any zone, so only those are tried.
    func holidayClosing(_ hours: WeeklyHours, at now: Instant) -> String? {
        guard hours.contains(now) else { return nil }
        let utcDay = now.millis / 86_400_000
        return settings.holidays.first {
            abs($0.day - utcDay) <= 1 && !hours.closing(holidays: [$0.day]).contains(now)
        }?.name
    }

    /// Gives every attendant its hours with the current holidays (after they changed).
    func applyHolidays(now: Instant) throws {
        for record in try store.attendants() {
            apply(router.upsertAttendant(routingProfile(record), now: now), now: now)
        }
    }

    /// Reads `holidays`: `[{date: "YYYY-MM-DD", name}]`, one per date; errors name `holidays[i].date` etc.
    func holidaysParam(_ list: [JSON]) throws -> [Holiday] {
        guard list.count <= RequestContext.maxHolidays else {
            throw RPCError.invalidParams(field: "holidays", reason: "at most \(RequestContext.maxHolidays) holidays")
        }
        var holidays: [Holiday] = []
        var seen: [Int64: Int] = [:]
        for (index, item) in list.enumerated() {
            let field = "holidays[\(index)]"
            guard let object = item.objectValue else {
                throw RPCError.invalidParams(field: field, reason: "must be an object {date, name}")
            }
            for key in object.keys where key != "date" && key != "name" {
                throw RPCError.invalidParams(field: "\(field).\(key)", reason: "unknown parameter")
            }
            guard let text = object["date"]?.stringValue, let day = CalendarDate.parse(text) else {
                throw RPCError.invalidParams(field: "\(field).date", reason: "must be a date like \"2026-12-25\"")
            }
            guard let name = object["name"]?.stringValue?.trimmingWhitespace, !name.isEmpty,
                  name.utf8.count <= 120 else {
                throw RPCError.invalidParams(field: "\(field).name", reason: "must be a name of 1 to 120 bytes")
            }
            if let earlier = seen[day] {
                throw RPCError.invalidParams(field: "\(field).date", reason: "the same date as holidays[\(earlier)]")
            }
            seen[day] = index
            holidays.append(Holiday(day: day, name: name))
        }
        return holidays.sorted { $0.day < $1.day }
    }

    /// The `holidays` member of the settings.
    func writeHolidays(into w: inout JSONWriter) {
        w.key("holidays")
        w.beginArray()
        for holiday in settings.holidays {
            w.beginObject()
            w.field("date", CalendarDate.format(holiday.day))
            w.field("name", holiday.name)
            w.endObject()
        }
        w.endArray()
    }
}
