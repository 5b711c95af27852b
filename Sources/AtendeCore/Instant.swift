// Instant: a moment in time as milliseconds since the Unix epoch, with ISO-8601 text in UTC.
// Time enters the core only as a value (the router never reads a clock), so this type must be tiny and exact.
// Formatting is done with integer calendar arithmetic (Howard Hinnant's days-from-civil), not Foundation:
// it runs for every timestamp written to the wire, and appends bytes to a buffer without building a String.

/// A moment in time: milliseconds since 1970-01-01T00:00:00Z.
public struct Instant: Comparable, Hashable, Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z (negative before it).
    public var millis: Int64

    /// Creates the instant `millis` milliseconds after the epoch.
    public init(millis: Int64) {
        self.millis = millis
    }

    /// Creates the instant `seconds` whole seconds after the epoch.
    public init(seconds: Int64) {
        self.millis = seconds * 1000
    }

    /// Orders instants chronologically.
    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.millis < rhs.millis
    }

    /// The instant `ms` milliseconds later (earlier when negative).
    public static func + (lhs: Instant, ms: Int64) -> Instant {
        Instant(millis: lhs.millis + ms)
    }

    /// The time from `rhs` to `lhs` in milliseconds.
    public static func - (lhs: Instant, rhs: Instant) -> Int64 {
        lhs.millis - rhs.millis
    }

    // MARK: Formatting

    /// The instant as ISO-8601 text in UTC with milliseconds, e.g. `"2026-11-26T10:15:30.123Z"`.
    public var iso8601: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        writeISO8601(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the same text as `iso8601` to `bytes`, without allocating a String.
    public func writeISO8601(into bytes: inout [UInt8]) {
        withISO8601 { bytes.append(contentsOf: $0) }
    }

    /// Calls `body` with the same text as `iso8601`, as UTF-8 bytes on the stack (no allocation for years
    /// 0-9999; every conversation sent carries up to four timestamps). Inlinable, so that the callers' closures
    /// are inlined into it rather than called through a generic function.
    @inlinable
    public func withISO8601<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        // Quotient and remainder taken apart so that Int64.min cannot overflow.
        var days = millis / CivilCalendar.msPerDay
        var msOfDay = millis % CivilCalendar.msPerDay
        if msOfDay < 0 {
            days -= 1
            msOfDay += CivilCalendar.msPerDay
        }
        let (year, month, day) = CivilCalendar.civil(fromDays: days)
        let secondOfDay = msOfDay / 1000
        // Expanded years keep a sign; they only occur for absurd inputs but must not trap.
        let plainYear = year >= 0 && year <= 9999
        // Written into 24 bytes on the stack: appending digit by digit grows an array once per digit.
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &text) { buffer in
            func put(_ value: Int64, at start: Int, width: Int) {
                var rest = value
                var index = start + width - 1
                while index >= start {
                    buffer[index] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
                    rest /= 10
                    index -= 1
                }
            }
            if plainYear { put(year, at: 0, width: 4) }
            buffer[4] = UInt8(ascii: "-")
            put(month, at: 5, width: 2)
            buffer[7] = UInt8(ascii: "-")
            put(day, at: 8, width: 2)
            buffer[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, at: 11, width: 2)
            buffer[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, at: 14, width: 2)
            buffer[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, at: 17, width: 2)
            buffer[19] = UInt8(ascii: ".")
            put(msOfDay % 1000, at: 20, width: 3)
            buffer[23] = UInt8(ascii: "Z")
            if plainYear { return body(UnsafeRawBufferPointer(buffer)) }
            var expanded: [UInt8] = [year < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")]
            Instant.appendUnsigned(year.magnitude, to: &expanded)
            expanded.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[4...]))
            return expanded.withUnsafeBytes(body)
        }
    }

    @usableFromInline static func appendUnsigned(_ value: UInt64, to bytes: inout [UInt8]) {
        var divisor: UInt64 = 1
        while value / divisor >= 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(truncatingIfNeeded: rest / divisor) &+ 0x30)
            rest %= divisor
            divisor /= 10
        }
    }

    // MARK: Parsing

    /// Parses `YYYY-MM-DDTHH:MM:SS(.f+)?(Z|±HH:MM)`; fractions beyond milliseconds are truncated.
    /// Lower-case `t` and `z` are accepted (RFC 3339); out-of-range fields (Feb 30, 24:00, 60 s) are not.
    public init?(iso8601 text: String) {
        var parser = DigitCursor(text.utf8)
        guard let year = parser.number(digits: 4), parser.take(UInt8(ascii: "-")),
              let month = parser.number(digits: 2), parser.take(UInt8(ascii: "-")),
              let day = parser.number(digits: 2),
              parser.take(UInt8(ascii: "T")) || parser.take(UInt8(ascii: "t")),
              let hour = parser.number(digits: 2), parser.take(UInt8(ascii: ":")),
              let minute = parser.number(digits: 2), parser.take(UInt8(ascii: ":")),
              let second = parser.number(digits: 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= CivilCalendar.daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var fraction: Int64 = 0
        if parser.take(UInt8(ascii: ".")) {
            var count = 0
            while let digit = parser.digit() {
                if count < 3 { fraction = fraction * 10 + digit }
                count += 1
                if count > 9 { return nil }
            }
            if count == 0 { return nil }
            for _ in count..<max(count, 3) { fraction *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if parser.take(UInt8(ascii: "Z")) || parser.take(UInt8(ascii: "z")) {
            offsetSeconds = 0
        } else {
            let sign: Int64
            if parser.take(UInt8(ascii: "+")) {
                sign = 1
            } else if parser.take(UInt8(ascii: "-")) {
                sign = -1
            } else {
                return nil
            }
            guard let offsetHours = parser.number(digits: 2), parser.take(UInt8(ascii: ":")),
                  let offsetMinutes = parser.number(digits: 2), offsetHours <= 23, offsetMinutes <= 59
            else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard parser.atEnd else { return nil }
        let days = CivilCalendar.days(fromCivilYear: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        self.init(millis: seconds * 1000 + fraction)
    }
}

/// Reads ASCII digits and punctuation from UTF-8 bytes without allocating.
private struct DigitCursor {
    let bytes: String.UTF8View
    var index: String.UTF8View.Index

    init(_ bytes: String.UTF8View) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    var atEnd: Bool { index == bytes.endIndex }

    mutating func take(_ byte: UInt8) -> Bool {
        guard index != bytes.endIndex, bytes[index] == byte else { return false }
        bytes.formIndex(after: &index)
        return true
    }

    mutating func digit() -> Int64? {
        guard index != bytes.endIndex else { return nil }
        let byte = bytes[index]
        guard byte >= 0x30 && byte <= 0x39 else { return nil }
        bytes.formIndex(after: &index)
        return Int64(byte - 0x30)
    }

    mutating func number(digits: Int) -> Int64? {
        var value: Int64 = 0
        for _ in 0..<digits {
            guard let digit = digit() else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}

/// Proleptic Gregorian calendar arithmetic on day numbers (day 0 = 1970-01-01).
/// From Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms".
@usableFromInline enum CivilCalendar {
    @inlinable static var msPerDay: Int64 { 86_400_000 }

    /// Division rounding toward negative infinity.
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// The day number of a civil date.
    static func days(fromCivilYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day number.
    @inlinable
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func isLeap(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
