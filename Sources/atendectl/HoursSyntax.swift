// HoursSyntax: the compact way to type working hours on a command line, and back. The protocol wants
// {"timezone": ..., "week": {"mon": [["08:00","12:00"], ...], ...}}; people want to type
//     mon-fri 08:00-12:00,13:00-18:00; sat 08:00-12:00
// Groups are separated by ';'. A group is DAYS then TIMES: DAYS is a day (mon..sun, or the full English name),
// a range (mon-fri, fri-mon wraps), or a comma list of those; TIMES is a comma list of START-END (H, HH, H:MM,
// HH:MM or HH:MM:SS, written back as HH:MM[:SS]; 24:00 only as an end). An interval that ends before it starts
// runs overnight and is split at midnight: `fri 22:00-02:00` is fri 22:00-24:00 and sat 00:00-02:00. Days not
// named are days off. "always" means no restriction. Each time is checked here; the daemon checks the whole
// schedule (overlaps) and names the offending field (hours.week.mon[1]).

import AtendeProtocol

/// Translates the compact hours syntax to the protocol's hours value, and back for display.
enum HoursSyntax {
    /// The protocol's day names, Monday first.
    static let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    private static let fullNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// The hours value for `text`; `timeZone` is added to a weekly schedule when given.
    static func parse(_ text: String, timeZone: String?) throws(Failure) -> JSON {
        let trimmed = text.trimmed
        if trimmed.lowercased() == "always" {
            guard timeZone == nil else { throw .usage("--timezone makes no sense with --hours always") }
            return "always"
        }
        var week: [String: [JSON]] = [:]
        for group in trimmed.split(separator: ";").map({ String($0).trimmed }) where !group.isEmpty {
            guard let space = group.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
                throw .usage("--hours: '\(group)' needs days and times, like 'mon-fri 08:00-18:00'")
            }
            let dayList = try parseDays(String(group[..<space]))
            let times = group[space...].split(separator: ",").map { String($0).trimmed }
            for time in times {
                let ends = time.split(separator: "-", omittingEmptySubsequences: false).map { String($0).trimmed }
                guard ends.count == 2, let start = clock(ends[0]), let end = clock(ends[1]) else {
                    throw .usage("--hours: '\(time)' is not an interval like 08:00-12:00 (or 8-12)")
                }
                guard start.seconds < 86400 else { throw .usage("--hours: '\(time)' starts at 24:00") }
                guard start.seconds != end.seconds else { throw .usage("--hours: '\(time)' is empty") }
                for day in dayList {
                    if start.seconds < end.seconds {
                        week[day, default: []].append([.string(start.text), .string(end.text)])
                    } else {
                        // Overnight: the evening on this day, the early hours on the next.
                        let next = days[(days.firstIndex(of: day)! + 1) % 7]
                        week[day, default: []].append([.string(start.text), "24:00"])
                        if end.seconds > 0 { week[next, default: []].append(["00:00", .string(end.text)]) }
                    }
                }
            }
        }
        guard !week.isEmpty else {
            throw .usage("--hours: give days and times like 'mon-fri 08:00-18:00', or 'always'")
        }
        var hours: JSONObject = ["week": .object(JSONObject(week.mapValues { .array($0) }))]
        if let timeZone { hours["timezone"] = .string(timeZone) }
        return .object(hours)
    }

    /// A time of day typed as H, HH, H:MM, HH:MM or HH:MM:SS (up to 24:00): its seconds and its protocol text.
    static func clock(_ text: String) -> (seconds: Int, text: String)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.count <= 2
            && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        let numbers = parts.compactMap { Int($0) }
        let hour = numbers[0], minute = numbers.count > 1 ? numbers[1] : 0, second = numbers.count > 2 ? numbers[2] : 0
        guard hour <= 24, minute < 60, second < 60, parts.count == 1 || parts[1].count == 2,
              parts.count < 3 || parts[2].count == 2 else { return nil }
        let seconds = hour * 3600 + minute * 60 + second
        guard seconds <= 86400 else { return nil }
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return (seconds, "\(two(hour)):\(two(minute))" + (parts.count == 3 ? ":\(two(second))" : ""))
    }

    /// The day names of `text`: `mon`, `mon-fri`, `mon,wed,fri-sun`.
    static func parseDays(_ text: String) throws(Failure) -> [String] {
        var result: [String] = []
        for part in text.lowercased().split(separator: ",") {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard ends.count <= 2 else { throw .usage("--hours: '\(part)' is not a day or a range like mon-fri") }
            let first = try dayIndex(ends[0])
            let last = ends.count == 2 ? try dayIndex(ends[1]) : first
            var index = first
            while true {
                if !result.contains(days[index]) { result.append(days[index]) }
                if index == last { break }
                index = (index + 1) % 7
            }
        }
        guard !result.isEmpty else { throw .usage("--hours: no days in '\(text)'") }
        return result
    }

    private static func dayIndex(_ name: String) throws(Failure) -> Int {
        if let index = days.firstIndex(of: name) ?? fullNames.firstIndex(of: name) { return index }
        throw .usage("--hours: '\(name)' is not a day (mon, tue, wed, thu, fri, sat, sun)")
    }

    /// The hours value written back in the compact syntax, e.g. `mon-fri 08:00-18:00 (America/Sao_Paulo)`;
    /// days with equal times are merged into ranges.
    static func describe(_ hours: JSON?) -> String {
        guard let hours, let object = hours.objectValue else { return hours?.stringValue ?? "always" }
        let week = object["week"]?.objectValue ?? [:]
        let timesByDay: [String] = days.map { day in
            (week[day]?.arrayValue ?? []).map { pair in
                (pair.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "-")
            }.joined(separator: ",")
        }
        var groups: [String] = []
        var start = 0
        while start < 7 {
            var end = start
            while end + 1 < 7 && timesByDay[end + 1] == timesByDay[start] { end += 1 }
            if !timesByDay[start].isEmpty {
                let span = start == end ? days[start] : "\(days[start])-\(days[end])"
                groups.append("\(span) \(timesByDay[start])")
            }
            start = end + 1
        }
        var text = groups.isEmpty ? "never" : groups.joined(separator: "; ")
        if let zone = object["timezone"]?.stringValue { text += " (\(zone))" }
        let exceptions = (object["exceptions"]?.arrayValue ?? []).compactMap { exception -> String? in
            guard let date = exception["date"]?.stringValue else { return nil }
            let intervals = (exception["intervals"]?.arrayValue ?? []).map { pair in
                (pair.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "-")
            }
            return "\(date) " + (intervals.isEmpty ? "off" : intervals.joined(separator: ","))
        }
        if !exceptions.isEmpty { text += "; on \(exceptions.joined(separator: ", "))" }
        return text
    }
}

extension String {
    /// Without leading and trailing white space.
    var trimmed: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
