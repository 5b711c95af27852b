// AccountSettings: the account-wide switches an admin sets for all attendants.

/// Account-wide permissions and rules.
public struct AccountSettings: Equatable, Sendable {
    /// Attendants may remove contacts from the potentials list (default off).
    public var attendantsCanRemovePotentials = false
    /// Attendants may read the bot's contact agenda (default on).
    public var attendantsCanViewBotContacts = true
    /// Attendants may log in only inside their working hours (default on).
    public var restrictAccessToHours = true

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
