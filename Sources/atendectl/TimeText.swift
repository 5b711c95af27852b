// TimeText: the daemon's timestamps ("2026-11-26T13:05:09.120Z") turned into what a person wants to read — how
// long ago ("3m 20s") and the local wall-clock time with its UTC offset. "Local" is the zone working hours are
// kept in: $ATENDE_TIMEZONE, else $TZ, else the daemon's `timezone` (read with system.ping once connected; until
// then, and from a daemon that does not say, America/Sao_Paulo, its default), not the machine's zone, which on a
// server is usually UTC. Parsing is done by hand with timegm because the format is
// fixed by the protocol and a formatter would accept more than it should.

import Glibc

/// Formats times and durations for people.
enum TimeText {
    /// Seconds since the epoch of a protocol timestamp, or nil when it is not one.
    static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for index in range {
                guard index < bytes.count, (48...57).contains(bytes[index]) else { return nil }
                value = value * 10 + Int32(bytes[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        var seconds = Double(timegm(&parts))
        if bytes[19] == UInt8(ascii: "."), let millis = number(20..<23) { seconds += Double(millis) / 1000 }
        return seconds
    }

    /// Local midnight of a `YYYY-MM-DD` date as a protocol timestamp (UTC), or nil when it is not such a date.
    static func startOfDay(_ text: String) -> String? {
        guard let (year, month, day) = dateParts(text), day <= daysIn(year: year, month: month) else { return nil }
        var local = tm()
        local.tm_year = year - 1900
        local.tm_mon = month - 1
        local.tm_mday = day
        local.tm_isdst = -1  // whatever the zone's rule is that day
        var seconds = mktime(&local)
        var utc = tm()
        gmtime_r(&seconds, &utc)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(utc.tm_year + 1900)-\(two(utc.tm_mon + 1))-\(two(utc.tm_mday))T\(two(utc.tm_hour)):"
            + "\(two(utc.tm_min)):\(two(utc.tm_sec))Z"
    }

    /// Year, month and day of `YYYY-MM-DD` (digits only, month 1-12, day 1-31), or nil for any other shape.
    static func dateParts(_ text: String) -> (year: Int32, month: Int32, day: Int32)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let year = Int32(parts[0]), let month = Int32(parts[1]), let day = Int32(parts[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        return (year, month, day)
    }

    /// The days of a month of the Gregorian calendar.
    static func daysIn(year: Int32, month: Int32) -> Int32 {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Int(month) - 1]
    }

    /// The zone atendectl shows times in when the environment names none.
    static let defaultZone = "America/Sao_Paulo"

    /// Whether the environment named the zone: it then wins over the daemon's.
    nonisolated(unsafe) private(set) static var zoneFromEnvironment = false

    /// Makes the zone of `environment` the process's local zone (call once, before formatting any time).
    static func useZone(environment: [String: String]) {
        // A TZ it cannot read (a container without the zone database) is the machine's setting, not a request of
        // the person's: passed over for the daemon's zone rather than failing every command.
        let tz = environment["TZ"].flatMap { isKnownZone($0, environment: environment) ? $0 : nil }
        let zone = [environment["ATENDE_TIMEZONE"], tz].compactMap { $0 }.first { !$0.isEmpty }
        zoneFromEnvironment = zone != nil
        setenv("TZ", zone ?? defaultZone, 1)
        tzset()
    }

    /// Why the zone ATENDE_TIMEZONE names cannot be used; nil when it names none or a known one. glibc reads an
    /// unknown name as UTC without a word, so times would be shown in UTC, labelled +00:00, to someone who asked
    /// for another zone; a usage error says so instead. (An unknown TZ is passed over: see `useZone`.)
    static func zoneProblem(environment: [String: String]) -> String? {
        guard let zone = environment["ATENDE_TIMEZONE"], !zone.isEmpty,
              !isKnownZone(zone, environment: environment) else { return nil }
        return "ATENDE_TIMEZONE '\(zone)' is not a time zone atendectl knows (an IANA name like America/Sao_Paulo or "
            + "UTC); unset it to show times in the daemon's zone"
    }

    /// An IANA zone in the zone database (`$TZDIR`, else /usr/share/zoneinfo), a `:`-prefixed zone file, or a
    /// POSIX rule with an offset (`UTC0`, `<-03>3`, `EST5EDT,M3.2.0,M11.1.0`), as glibc reads TZ.
    static func isKnownZone(_ zone: String, environment: [String: String]) -> Bool {
        let folder = environment["TZDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/share/zoneinfo"
        func isZoneFile(_ path: String) -> Bool {
            var info = stat()
            return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
        }
        if zone == "UTC" || zone == "GMT" { return true }  // glibc's even without a zone database
        var name = Substring(zone)
        if name.first == ":" {
            name = name.dropFirst()
            return name.hasPrefix("/") ? isZoneFile(String(name)) : isZoneFile(folder + "/" + name)
        }
        if name.hasPrefix("/") ? isZoneFile(String(name))
            : !name.split(separator: "/").contains("..") && isZoneFile(folder + "/" + name) {
            return true
        }
        // A POSIX rule: a name of 3+ letters (or <quoted>) followed by the offset, which glibc needs to take it.
        var rest = name
        if rest.first == "<" {
            guard let close = rest.firstIndex(of: ">"), rest.distance(from: rest.startIndex, to: close) >= 4 else {
                return false
            }
            rest = rest[rest.index(after: close)...]
        } else {
            let letters = rest.prefix { $0.isASCII && $0.isLetter }
            guard letters.count >= 3 else { return false }
            rest = rest.dropFirst(letters.count)
        }
        if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
        return rest.first.map { $0.isASCII && $0.isNumber } ?? false
    }

    /// The daemon's `timezone` (its `system.ping`) becomes the local zone, unless the environment named one.
    static func useDaemonZone(_ zone: String) {
        guard !zoneFromEnvironment, !zone.isEmpty else { return }
        setenv("TZ", zone, 1)
        tzset()
    }

    /// The current time in seconds since the epoch.
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// A duration like "45s", "3m 20s", "2h 05m" or "3d 4h".
    static func duration(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded(.down)))
        let days = total / 86400, hours = total % 86400 / 3600, minutes = total % 3600 / 60, rest = total % 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h " + twoDigits(minutes) + "m" }
        if minutes > 0 { return "\(minutes)m " + twoDigits(rest) + "s" }
        return "\(rest)s"
    }

    /// How long ago the timestamp was, e.g. "3m 20s"; "?" when it cannot be read.
    static func age(_ text: String?, now: Double = TimeText.now()) -> String {
        guard let text, let then = parse(text) else { return "-" }
        return duration(now - then)
    }

    /// The timestamp in local time with its offset, "2026-11-26 10:05:09 -03:00", or the text itself when it
    /// cannot be read.
    static func local(_ text: String) -> String {
        guard let seconds = parse(text) else { return text }
        return format(seconds, "%Y-%m-%d %H:%M:%S ") + offset(seconds)
    }

    /// Local wall-clock "HH:MM:SS -03:00" of a time in seconds since the epoch.
    static func clock(_ seconds: Double) -> String { format(seconds, "%H:%M:%S ") + offset(seconds) }

    /// Local wall-clock "HH:MM:SS" without the offset (for lines under a clock that shows it).
    static func bareClock(_ seconds: Double) -> String { format(seconds, "%H:%M:%S") }

    /// The local zone's offset from UTC at that time, "-03:00".
    static func offset(_ seconds: Double) -> String {
        let raw = format(seconds, "%z")  // "-0300"
        guard raw.count == 5 else { return raw }
        return String(raw.prefix(3)) + ":" + String(raw.suffix(2))
    }

    /// Local "HH:MM" of a timestamp, or "--:--".
    static func shortClock(_ text: String?) -> String {
        guard let text, let seconds = parse(text) else { return "--:--" }
        return format(seconds, "%H:%M")
    }

    private static func format(_ seconds: Double, _ pattern: String) -> String {
        var time = time_t(seconds)
        var parts = tm()
        localtime_r(&time, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
