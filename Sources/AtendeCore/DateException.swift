// DateException and CalendarDate: working hours by date (contract v2). An attendant's hours may replace the
// weekly intervals of a local date (`exceptions`, `[]` = a day off), and the account's holidays are days off for
// everyone whose hours are not "always" and who has no exception of their own that date. Dates are local
// calendar dates in the hours' time zone, held as day numbers (0 = 1970-01-01), so comparing and looking one up
// needs no calendar.

/// A local date on which an attendant's hours differ from its week.
public struct DateException: Equatable, Hashable, Sendable {
    /// The local date as a day number (0 = 1970-01-01).
    public var day: Int64
    /// That date's intervals, sorted by start and not overlapping; empty for a day off.
    public var intervals: [DayInterval]

    /// Creates an exception.
    public init(day: Int64, intervals: [DayInterval]) {
        self.day = day
        self.intervals = intervals
    }

    /// The exception of `day` in a list sorted by day.
    static func find(_ day: Int64, in list: [DateException]) -> DateException? {
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle].day < day { low = middle + 1 } else { high = middle }
        }
        return low < list.count && list[low].day == day ? list[low] : nil
    }
}

/// "YYYY-MM-DD" dates as day numbers.
public enum CalendarDate {
    /// The day number of a "YYYY-MM-DD" date (years 1900-9999), or nil when it is not a real date.
    public static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              year >= 1900, (1...12).contains(month), day >= 1,
              day <= CivilCalendar.daysIn(month: month, year: year) else { return nil }
        return CivilCalendar.days(fromCivilYear: year, month: month, day: day)
    }

    /// "YYYY-MM-DD" of a day number.
    public static func format(_ day: Int64) -> String {
        let (year, month, date) = CivilCalendar.civil(fromDays: day)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let shownYear = String(year)
        return String(repeating: "0", count: max(0, 4 - shownYear.count)) + shownYear + "-" + two(month) + "-"
            + two(date)
    }
}

extension WeeklyHours {
    /// The most date exceptions one attendant's hours may hold.
    public static let maxExceptions = 366

    /// Parses `exceptions` of the wire form; errors name "hours.exceptions[i].date" or "...intervals[j]".
    static func parseExceptions(_ list: [(date: String, intervals: [[String]])]) throws(ValidationError)
        -> [DateException] {
        if list.count > maxExceptions {
            throw ValidationError(field: "hours.exceptions", reason: "at most \(maxExceptions) exceptions")
        }
        var result: [DateException] = []
        var seen: [Int64: Int] = [:]
        for (index, entry) in list.enumerated() {
            let field = "hours.exceptions[\(index)]"
            guard let day = CalendarDate.parse(entry.date) else {
                throw ValidationError(field: "\(field).date", reason: "must be a date like \"2026-12-24\"")
            }
            if let earlier = seen[day] {
                throw ValidationError(field: "\(field).date",
                                      reason: "overlaps exception \(earlier): the date is given twice")
            }
            seen[day] = index
            result.append(DateException(day: day, intervals: try parseDay(entry.intervals, field: "\(field).intervals")))
        }
        return result.sorted { $0.day < $1.day }
    }

    /// The attendant's own date exceptions (none for "always").
    public var exceptions: [DateException] {
        if case .weekly(_, _, let exceptions) = self { return exceptions }
        return []
    }

    /// These hours with the account's holidays (day numbers) as days off, on dates without an exception of
    /// their own; "always" stays "always".
    public func closing(holidays: [Int64]) -> WeeklyHours {
        guard case .weekly(let zone, let days, let exceptions) = self, !holidays.isEmpty else { return self }
        var merged = exceptions
        for day in holidays where DateException.find(day, in: exceptions) == nil {
            merged.append(DateException(day: day, intervals: []))
        }
        return .weekly(timeZone: zone, days: days, exceptions: merged.sorted { $0.day < $1.day })
    }
}
