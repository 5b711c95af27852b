// WeeklyHours: when an attendant works, as weekly intervals of local wall time in an IANA time zone.
// Routing asks two questions, both with `now` passed in (the core never reads a clock):
// `contains(t)` (is the attendant inside its hours at t?) and `nextChange(after:)` (when to arm the next timer).
// Time-zone rules are system data, so this is the one file of the core that imports Foundation, for TimeZone only.
// nextChange works segment by segment: between two offset transitions local time is UTC plus a constant, so the
// next change is the earlier of the next schedule boundary (shifted by that constant) and the next transition.
// That handles spring-forward gaps and fall-back repeats without guessing which occurrence of a local time counts.

import Foundation
import Synchronization

/// An interval of local time within one day, [start, end) in seconds from midnight; end ≤ 86400.
public struct DayInterval: Equatable, Hashable, Sendable {
    /// Seconds from local midnight at which the interval starts (inclusive), 0..<86400.
    public var start: Int
    /// Seconds from local midnight at which the interval ends (exclusive), start+1...86400.
    public var end: Int

    /// Creates the interval [start, end) in seconds from local midnight.
    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }
}

/// When an attendant works: always, or weekly intervals in a time zone.
public enum WeeklyHours: Equatable, Sendable {
    /// No restriction: always inside working hours.
    case always
    /// Intervals of local wall time per weekday; `days[0]` is Monday ... `days[6]` Sunday, each sorted by start.
    /// `exceptions` (sorted by date, one per date) replace the weekly intervals of their local dates.
    case weekly(timeZone: String, days: [[DayInterval]], exceptions: [DateException] = [])

    /// Wire names of the weekdays, in the order of `days`.
    public static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    /// The time zone used when the wire form names none.
    public static let defaultTimeZone = "America/Sao_Paulo"
    /// The most intervals one day may have (a bound on input, far above any real schedule).
    public static let maxIntervalsPerDay = 48

    private static let msPerDay: Int64 = 86_400_000

    // MARK: Wire form

    /// Builds from the wire form: a time zone (nil means America/Sao_Paulo) and (day name, [[start, end]]) entries.
    /// Times are "HH:MM" or "HH:MM:SS"; "24:00" only ends an interval; start < end; intervals of a day may touch
    /// but not overlap. Errors name "hours.timezone", "hours.week.mon" or "hours.week.mon[1]".
    public static func parse(
        timeZone: String?, week: [(day: String, intervals: [[String]])],
        exceptions: [(date: String, intervals: [[String]])] = []
    ) throws(ValidationError) -> WeeklyHours {
        let zoneName = timeZone ?? defaultTimeZone
        if zoneName.utf8.count > 64 || ZoneCache.zone(named: zoneName) == nil {
            throw ValidationError(field: "hours.timezone", reason: "unknown time zone \"\(shown(zoneName))\"")
        }
        var days = [[DayInterval]](repeating: [], count: 7)
        var seen = [Bool](repeating: false, count: 7)
        for entry in week {
            guard let index = dayNames.firstIndex(of: entry.day) else {
                throw ValidationError(
                    field: "hours.week.\(shown(entry.day))",
                    reason: "unknown day; days are mon, tue, wed, thu, fri, sat and sun")
            }
            let field = "hours.week.\(entry.day)"
            if seen[index] {
                throw ValidationError(field: field, reason: "the day is given twice")
            }
            seen[index] = true
            days[index] = try parseDay(entry.intervals, field: field)
        }
        return .weekly(timeZone: zoneName, days: days, exceptions: try parseExceptions(exceptions))
    }

    static func parseDay(_ pairs: [[String]], field: String) throws(ValidationError) -> [DayInterval] {
        if pairs.count > maxIntervalsPerDay {
            throw ValidationError(field: field, reason: "at most \(maxIntervalsPerDay) intervals per day")
        }
        var list: [(interval: DayInterval, index: Int)] = []
        for (index, pair) in pairs.enumerated() {
            let itemField = "\(field)[\(index)]"
            guard pair.count == 2 else {
                throw ValidationError(field: itemField, reason: "must be a [start, end] pair")
            }
            guard let start = parseTime(pair[0]) else {
                throw ValidationError(field: itemField, reason: "start \"\(shown(pair[0]))\" is not HH:MM or HH:MM:SS")
            }
            guard let end = parseTime(pair[1]) else {
                throw ValidationError(field: itemField, reason: "end \"\(shown(pair[1]))\" is not HH:MM or HH:MM:SS")
            }
            if start == 86_400 {
                throw ValidationError(field: itemField, reason: "24:00 can only end an interval")
            }
            if start >= end {
                throw ValidationError(field: itemField, reason: "start must be before end")
            }
            list.append((DayInterval(start: start, end: end), index))
        }
        list.sort { $0.interval.start < $1.interval.start }
        for k in list.indices.dropFirst() where list[k - 1].interval.end > list[k].interval.start {
            let (earlier, later) = list[k - 1].index < list[k].index ? (list[k - 1], list[k]) : (list[k], list[k - 1])
            throw ValidationError(
                field: "\(field)[\(later.index)]",
                reason: "overlaps \(format(seconds: earlier.interval.start))-\(format(seconds: earlier.interval.end))")
        }
        return list.map(\.interval)
    }

    /// Seconds from midnight of "HH:MM" or "HH:MM:SS" (two digits each), 00:00 ... 24:00; nil otherwise.
    private static func parseTime(_ text: String) -> Int? {
        let bytes = Array(text.utf8.prefix(9))
        guard bytes.count == 5 || bytes.count == 8, bytes[2] == UInt8(ascii: ":"),
              bytes.count == 5 || bytes[5] == UInt8(ascii: ":")
        else { return nil }
        func twoDigits(_ at: Int) -> Int? {
            let (a, b) = (bytes[at], bytes[at + 1])
            guard a >= 0x30, a <= 0x39, b >= 0x30, b <= 0x39 else { return nil }
            return Int(a - 0x30) * 10 + Int(b - 0x30)
        }
        guard let hours = twoDigits(0), let minutes = twoDigits(3) else { return nil }
        let seconds: Int
        if bytes.count == 8 {
            guard let value = twoDigits(6) else { return nil }
            seconds = value
        } else {
            seconds = 0
        }
        guard minutes <= 59, seconds <= 59, hours < 24 || (hours == 24 && minutes == 0 && seconds == 0) else {
            return nil
        }
        return hours * 3600 + minutes * 60 + seconds
    }

    /// Wire text of a time of day: "08:00", "08:00:30" (seconds only when not zero), "24:00".
    public static func format(seconds: Int) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let text = "\(two(seconds / 3600)):\(two(seconds / 60 % 60))"
        return seconds % 60 == 0 ? text : "\(text):\(two(seconds % 60))"
    }

    /// At most 24 characters of user input, for quoting it back in an error.
    private static func shown(_ text: String) -> String {
        text.count <= 24 ? text : String(text.prefix(24)) + "…"
    }

    /// The IANA name of the time zone, or nil for `.always`.
    public var timeZoneName: String? {
        switch self {
        case .always: return nil
        case .weekly(let timeZone, _, _): return timeZone
        }
    }

    // MARK: Evaluation

    /// Whether the local wall time at `t` (t plus the zone's offset at t) falls inside an interval of its weekday.
    public func contains(_ t: Instant) -> Bool {
        switch self {
        case .always:
            return true
        case .weekly(let zoneName, let days, let exceptions):
            let zone = ZoneCache.zoneOrUTC(named: zoneName)
            let t = t.clamped
            let offset = Int64(zone.secondsFromGMT(for: Date(instant: t))) * 1000
            return WeeklyHours.isInside(days, exceptions, localMillis: t.millis + offset)
        }
    }

    /// The first instant strictly after `t` at which `contains` may change value: an interval boundary in local
    /// time converted to UTC, or a time-zone offset transition. Boundaries where nothing changes (touching
    /// intervals, 24:00 followed by 00:00) are skipped. Nil for `.always` or a week without intervals; when the
    /// week is fully covered and no transition comes, the end of an 8-day look-ahead window.
    public func nextChange(after t: Instant) -> Instant? {
        guard case .weekly(let zoneName, let days, let exceptions) = self,
              days.contains(where: { !$0.isEmpty }) || exceptions.contains(where: { !$0.intervals.isEmpty }) else {
            return nil
        }
        let zone = ZoneCache.zoneOrUTC(named: zoneName)
        let t = t.clamped
        let date = Date(instant: t)
        let offset = Int64(zone.secondsFromGMT(for: date)) * 1000
        var transition = zone.nextDaylightSavingTimeTransition(after: date).map {
            Int64(($0.timeIntervalSince1970 * 1000).rounded())
        }
        if let next = transition, next <= t.millis {
            transition = nil
        }
        // Until `transition`, local time is t.millis + offset; past it, the boundary found below no longer
        // applies, but then the transition itself comes first and is the answer.
        if let local = WeeklyHours.nextLocalChange(days, exceptions, afterLocal: t.millis + offset) {
            let utc = local - offset
            if transition == nil || utc < transition! {
                return Instant(millis: utc)
            }
        }
        return Instant(millis: transition ?? t.millis + 8 * WeeklyHours.msPerDay)
    }

    /// Whether local wall time `localMillis` (ms since the local epoch) is inside an interval of its weekday.
    private static func isInside(_ days: [[DayInterval]], _ exceptions: [DateException],
                                 localMillis: Int64) -> Bool {
        let day = CivilCalendar.floorDiv(localMillis, msPerDay)
        let second = Int((localMillis - day * msPerDay) / 1000)
        for interval in intervals(days, exceptions, day: day) {
            if interval.start > second { break }
            if second < interval.end { return true }
        }
        return false
    }

    /// The intervals of a local day: its exception's when it has one, else its weekday's.
    private static func intervals(_ days: [[DayInterval]], _ exceptions: [DateException], day: Int64)
        -> [DayInterval] {
        if !exceptions.isEmpty, let exception = DateException.find(day, in: exceptions) { return exception.intervals }
        let weekday = self.weekday(day)
        return weekday < days.count ? days[weekday] : []
    }

    /// The first local time after `localMillis`, within 8 local days (or until 8 days past the last exception),
    /// at which being inside changes.
    private static func nextLocalChange(_ days: [[DayInterval]], _ exceptions: [DateException],
                                        afterLocal localMillis: Int64) -> Int64? {
        let firstDay = CivilCalendar.floorDiv(localMillis, msPerDay)
        let lastDay = max(firstDay + 7, min((exceptions.last?.day ?? firstDay) + 8, firstDay + 800))
        for day in firstDay...lastDay {
            for interval in intervals(days, exceptions, day: day) {
                for boundary in [interval.start, interval.end] {
                    let local = day * msPerDay + Int64(boundary) * 1000
                    if local > localMillis && isInside(days, exceptions, localMillis: local - 1)
                        != isInside(days, exceptions, localMillis: local) {
                        return local
                    }
                }
            }
        }
        return nil
    }

    /// Index into `days` (0 = Monday) of a day number; day 0, 1970-01-01, was a Thursday.
    private static func weekday(_ day: Int64) -> Int {
        Int(((day + 3) % 7 + 7) % 7)
    }
}

extension Instant {
    /// The instant limited to about ±142,000 years, so that local-time arithmetic cannot overflow.
    fileprivate var clamped: Instant {
        let limit: Int64 = 1 << 52
        return Instant(millis: min(max(millis, -limit), limit))
    }
}

extension Date {
    fileprivate init(instant: Instant) {
        self.init(timeIntervalSince1970: Double(instant.millis) / 1000)
    }
}

/// Resolved time zones by identifier: TimeZone(identifier:) is slow and hours are evaluated often.
private enum ZoneCache {
    private static let zones = Mutex<[String: TimeZone]>([:])
    private static let utc = TimeZone(identifier: "UTC")!

    static func zone(named name: String) -> TimeZone? {
        if let zone = zones.withLock({ $0[name] }) {
            return zone
        }
        guard let zone = TimeZone(identifier: name) else {
            return nil
        }
        zones.withLock { cache in
            if cache.count < 1024 { cache[name] = zone }
        }
        return zone
    }

    /// The named zone, or UTC for a name the system no longer knows (parse already refused unknown names).
    static func zoneOrUTC(named name: String) -> TimeZone {
        zone(named: name) ?? utc
    }
}
