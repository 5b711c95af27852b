// AttendantFields: reads the writable fields of an attendant from request params, validating each with the
// domain rules and naming the field on failure. Shared by attendant.create and attendant.update.

import AtendeCore
import AtendeProtocol
import AtendeStore

enum AttendantFields {
    static let all: Set<String> = ["name", "login", "password", "phone", "email", "active", "departments", "hours",
                                   "maxChats"]

    /// Applies the fields present in `params` to `record`; returns the new password, when one was given.
    static func apply(_ params: Params, to record: inout AttendantRecord, context: RequestContext) throws -> String? {
        if params.has("name") { record.name = try PersonName.validate(try params.string("name", maxLength: 1000)) }
        if params.has("login") { record.login = try Login.validate(try params.string("login", maxLength: 1000)) }
        var password: String?
        if params.has("password") {
            let text = try params.string("password", maxLength: 256)
            try PasswordPolicy.check(text)
            password = text
        }
        if params.value("phone") != nil {
            record.phone = try params.optionalString("phone", maxLength: 64).map { try BrazilianPhone.normalize($0) }
        }
        if params.value("email") != nil {
            record.email = try params.optionalString("email", maxLength: 320).map { try EmailAddress.validate($0) }
        }
        if params.has("active") { record.active = try params.bool("active") }
        if params.has("maxChats") { record.maxChats = Int(try params.int("maxChats", range: 1...1000)) }
        if params.has("departments") {
            let list = try params.array("departments")
            guard list.count <= 100 else {
                throw RPCError.invalidParams(field: "departments", reason: "at most 100 departments")
            }
            var departments: [String] = []
            for (index, item) in list.enumerated() {
                guard let id = item.stringValue else {
                    throw RPCError.invalidParams(field: "departments[\(index)]",
                                                 reason: "must be a string (got \(item.typeName))")
                }
                guard !departments.contains(id) else {
                    throw RPCError.invalidParams(field: "departments[\(index)]", reason: "is listed twice")
                }
                departments.append(id)
            }
            try context.ensureDepartmentsExist(departments)
            record.departments = departments
        }
        if let hours = params.value("hours") {
            record.hours = try parseHours(hours, defaultTimeZone: context.config.timezone)
        }
        return password
    }

    /// Reads `"always"` or `{timezone?, week: {mon: [["08:00","12:00"], ...], ...}}`.
    static func parseHours(_ value: JSON, defaultTimeZone: String) throws -> WeeklyHours {
        if value.stringValue == "always" || value.isNull { return .always }
        guard let object = value.objectValue else {
            throw RPCError.invalidParams(field: "hours",
                                         reason: "must be \"always\" or an object with timezone and week")
        }
        for key in object.keys where key != "timezone" && key != "week" && key != "exceptions" {
            throw RPCError.invalidParams(field: "hours.\(key)", reason: "unknown parameter")
        }
        var timeZone: String? = defaultTimeZone
        if let zone = object["timezone"], !zone.isNull {
            guard let text = zone.stringValue, text.utf8.count <= 64 else {
                throw RPCError.invalidParams(field: "hours.timezone", reason: "must be an IANA time zone name")
            }
            timeZone = text
        }
        guard let weekValue = object["week"], let week = weekValue.objectValue else {
            throw RPCError.invalidParams(field: "hours.week", reason: "is required: an object of days")
        }
        var days: [(day: String, intervals: [[String]])] = []
        for day in week.keys.sorted() {
            let field = "hours.week.\(day)"
            guard let list = week[day]!.arrayValue else {
                throw RPCError.invalidParams(field: field, reason: "must be an array of [start, end] pairs")
            }
            guard list.count <= 48 else { throw RPCError.invalidParams(field: field, reason: "at most 48 intervals") }
            var intervals: [[String]] = []
            for (index, pair) in list.enumerated() {
                guard let items = pair.arrayValue, items.count == 2,
                      let start = items[0].stringValue, let end = items[1].stringValue,
                      start.utf8.count <= 8, end.utf8.count <= 8 else {
                    throw RPCError.invalidParams(field: "\(field)[\(index)]",
                                                 reason: "must be a pair of times like [\"08:00\", \"12:00\"]")
                }
                intervals.append([start, end])
            }
            days.append((day, intervals))
        }
        return try WeeklyHours.parse(timeZone: timeZone, week: days,
                                     exceptions: try parseExceptions(object["exceptions"]))
    }
}

extension AttendantFields {
    /// Reads `hours.exceptions` (contract v2): `[{date: "YYYY-MM-DD", intervals: [[start, end], ...]}]`.
    static func parseExceptions(_ value: JSON?) throws -> [(date: String, intervals: [[String]])] {
        guard let value, !value.isNull else { return [] }
        guard let list = value.arrayValue else {
            throw RPCError.invalidParams(field: "hours.exceptions", reason: "must be an array of {date, intervals}")
        }
        guard list.count <= WeeklyHours.maxExceptions else {
            throw RPCError.invalidParams(field: "hours.exceptions",
                                         reason: "at most \(WeeklyHours.maxExceptions) exceptions")
        }
        var result: [(date: String, intervals: [[String]])] = []
        for (index, item) in list.enumerated() {
            let field = "hours.exceptions[\(index)]"
            guard let object = item.objectValue else {
                throw RPCError.invalidParams(field: field, reason: "must be an object {date, intervals}")
            }
            for key in object.keys where key != "date" && key != "intervals" {
                throw RPCError.invalidParams(field: "\(field).\(key)", reason: "unknown parameter")
            }
            guard let date = object["date"]?.stringValue, date.utf8.count <= 16 else {
                throw RPCError.invalidParams(field: "\(field).date", reason: "must be a date like \"2026-12-24\"")
            }
            guard let pairs = object["intervals"]?.arrayValue, pairs.count <= WeeklyHours.maxIntervalsPerDay else {
                throw RPCError.invalidParams(field: "\(field).intervals",
                                             reason: "must be an array of [start, end] pairs ([] for a day off)")
            }
            var intervals: [[String]] = []
            for (position, pair) in pairs.enumerated() {
                guard let items = pair.arrayValue, items.count == 2,
                      let start = items[0].stringValue, let end = items[1].stringValue,
                      start.utf8.count <= 8, end.utf8.count <= 8 else {
                    throw RPCError.invalidParams(field: "\(field).intervals[\(position)]",
                                                 reason: "must be a pair of times like [\"08:00\", \"12:00\"]")
                }
                intervals.append([start, end])
            }
            result.append((date, intervals))
        }
        return result
    }
}
