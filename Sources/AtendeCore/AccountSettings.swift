// AccountSettings: the account-wide switches an admin sets for all attendants.

/// Account-wide permissions and rules.
public struct AccountSettings: Equatable, Sendable {
    /// Attendants may remove contacts from the potentials list (default off).
    public var attendantsCanRemovePotentials = false
    /// Attendants may read the bot's contact agenda (default on).
    public var attendantsCanViewBotContacts = true
    /// Attendants may log in only inside their working hours (default on).
    public var restrictAccessToHours = true
    /// Days off for every attendant whose hours are not "always" (contract v2), sorted by date.
    public var holidays: [Holiday] = []

    /// The holidays' dates as day numbers.
    public var holidayDays: [Int64] { holidays.map(\.day) }
    /// Which assigned chats go back to their queues when an attendant's presence grace runs out.
    public var requeueOnOffline = RequeueOnOffline.unanswered
    /// Expired offers in a row after which an attendant turns away (0: never).
    public var maxMissedOffers = 2

    /// The settings that are not switches, stored as numbers: `requeueOnOffline` by its index in `allCases`.
    public static let numberKeys = ["requeueOnOffline", "maxMissedOffers"]
    /// The range of `maxMissedOffers`.
    public static let maxMissedOffersRange: ClosedRange<Int64> = 0...100

    /// A number setting as stored.
    public func number(_ key: String) -> Int64? {
        switch key {
        case "requeueOnOffline": return Int64(RequeueOnOffline.allCases.firstIndex(of: requeueOnOffline)!)
        case "maxMissedOffers": return Int64(maxMissedOffers)
        default: return nil
        }
    }

    /// Sets a number setting from its stored form (values out of range are ignored).
    public mutating func setNumber(_ key: String, _ value: Int64) {
        switch key {
        case "requeueOnOffline":
            if RequeueOnOffline.allCases.indices.contains(Int(value)) {
                requeueOnOffline = RequeueOnOffline.allCases[Int(value)]
            }
        case "maxMissedOffers":
            if Self.maxMissedOffersRange.contains(value) { maxMissedOffers = Int(value) }
        default: break
        }
    }

    /// The defaults.
    public init() {}

    /// The settings' names as they appear on the wire, in a fixed order.
    public static let keys = ["attendantsCanRemovePotentials", "attendantsCanViewBotContacts", "restrictAccessToHours"]

    /// Reads a setting by wire name.
    public subscript(key: String) -> Bool? {
        get {
            switch key {
            case "attendantsCanRemovePotentials": return attendantsCanRemovePotentials
            case "attendantsCanViewBotContacts": return attendantsCanViewBotContacts
            case "restrictAccessToHours": return restrictAccessToHours
            default: return nil
            }
        }
        set {
            guard let newValue else { return }
            switch key {
            case "attendantsCanRemovePotentials": attendantsCanRemovePotentials = newValue
            case "attendantsCanViewBotContacts": attendantsCanViewBotContacts = newValue
            case "restrictAccessToHours": restrictAccessToHours = newValue
            default: break
            }
        }
    }
}

/// A day off for everyone with working hours: a local date (in each attendant's own time zone) and its name.
public struct Holiday: Equatable, Sendable {
    /// The date as a day number (0 = 1970-01-01).
    public var day: Int64
    /// What the day is, e.g. "Natal".
    public var name: String

    /// Creates a holiday.
    public init(day: Int64, name: String) {
        self.day = day
        self.name = name
    }
}
