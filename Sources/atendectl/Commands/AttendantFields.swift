// AttendantFields: the options `attendant add` and `attendant edit` share, and their translation into the
// fields of attendant.create / attendant.update. Only what was given is sent, so an edit changes exactly the
// options typed; the daemon validates every value and names the field it refuses.

import AtendeProtocol

/// The attendant options shared by add and edit.
enum AttendantFields {
    /// Options both commands take.
    static let common: [OptionSpec] = [
        .value("name", "NAME", "first name and surname, e.g. \"Ana Souza\""),
        .value("login", "LOGIN", "the login, usually an e-mail address (unique, any case)"),
        .value("phone", "PHONE", "a Brazilian phone number, e.g. \"(11) 98765-4321\""),
        .value("email", "EMAIL", "an e-mail address"),
        .values("department", "ID", "a department the attendant serves (repeat for more)"),
        .values("departments", "ID,ID", "the departments as a comma list"),
        .value("max-chats", "N", "open chats at once, 1 to 1000 (default from the daemon's config)"),
        .value("hours", "HOURS", "working hours, e.g. 'mon-fri 08:00-12:00,13:00-18:00; sat 08:00-12:00', or always"),
        .value("hours-json", "JSON", "working hours as the protocol's JSON object"),
        .value("timezone", "ZONE", "IANA time zone of the hours, e.g. America/Sao_Paulo"),
        .flag("inactive", "the attendant cannot log in and gets no chats"),
    ]

    /// The --hours syntax, for help texts.
    static let hoursHelp = """
        HOURS: groups separated by ';', each DAYS then TIMES. DAYS: mon..sun, a range (mon-fri) or a comma list
        (mon,wed,fri). TIMES: START-END intervals separated by ',', as HH:MM (24:00 ends a day). Days not named are
        days off. 'always' removes the restriction. --timezone sets the zone (default: the daemon's timezone).
        --hours-json takes {"timezone": "...", "week": {"mon": [["08:00","12:00"]], ...}, "exceptions":
        [{"date": "2026-12-24", "intervals": [["08:00","12:00"]]}]} as it is (intervals [] for a day off). On edit,
        --hours changes the week and keeps the date exceptions; --hours-json replaces everything.
        """

    /// The fields given on the command line (without password and id).
    static func params(_ arguments: ParsedArguments) throws(Failure) -> JSONObject {
        var params: JSONObject = [:]
        for key in ["name", "login", "phone", "email"] {
            if let value = arguments.value(key) { params[key] = .string(value) }
        }
        if arguments.values["department"] != nil || arguments.values["departments"] != nil {
            var list = arguments.values["department"] ?? []
            for value in arguments.values["departments"] ?? [] {
                list += value.split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
            }
            params["departments"] = .array(list.map { .string($0) })
        }
        if let maxChats = try arguments.int("max-chats", in: 1...1000) { params["maxChats"] = .int(Int64(maxChats)) }
        if arguments.flag("inactive") { params["active"] = false }
        if arguments.flag("active") {
            guard !arguments.flag("inactive") else { throw .usage("--active and --inactive contradict each other") }
            params["active"] = true
        }
        if arguments.flag("no-phone") {
            guard params["phone"] == nil else { throw .usage("--phone and --no-phone contradict each other") }
            params["phone"] = .null
        }
        if arguments.flag("no-email") {
            guard params["email"] == nil else { throw .usage("--email and --no-email contradict each other") }
            params["email"] = .null
        }
        if let hours = try hours(arguments) { params["hours"] = hours }
        return params
    }

    /// The hours from --hours or --hours-json (with --timezone), if given.
    static func hours(_ arguments: ParsedArguments) throws(Failure) -> JSON? {
        let zone = arguments.value("timezone")
        switch (arguments.value("hours"), arguments.value("hours-json")) {
        case (nil, nil):
            return nil
        case (let text?, nil):
            return try HoursSyntax.parse(text, timeZone: zone)
        case (nil, let text?):
            let value: JSON
            do { value = try JSONParser.parse(text) } catch {
                throw .usage("--hours-json is not valid JSON: \(error)")
            }
            guard var object = value.objectValue else { return value }
            if let zone { object["timezone"] = .string(zone) }
            return .object(object)
        case (_?, _?):
            throw .usage("give --hours or --hours-json, not both")
        }
    }
}
