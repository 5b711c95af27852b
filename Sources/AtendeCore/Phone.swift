// Phone numbers, in the two shapes the daemon meets them:
// - BrazilianPhone: an attendant's own phone, checked strictly against the Brazilian numbering plan;
// - ContactPhone: a bot contact's WhatsApp number, any country, only normalized to E.164.
// Both accept the punctuation people type ("(11) 98765-4321", "+55 11 9.8765.4321") and store E.164 so that
// equal numbers compare equal. Reasons name the exact problem, because a user fixes the input from them.

/// Attendants' phones: Brazilian area code (DDD) plus an 8-digit landline or a 9-digit mobile number.
public enum BrazilianPhone {
    /// All assigned Brazilian area codes (DDDs), per Anatel's numbering plan: 67 codes.
    public static let areaCodes: Set<Int> = {
        var codes = Set<Int>()
        for range in [11...19, 21...22, 24...24, 27...28, 31...35, 37...38, 41...49, 51...51, 53...55,
                      61...69, 71...71, 73...75, 77...77, 79...79, 81...89, 91...99] {
            codes.formUnion(range)
        }
        return codes
    }()

    /// Normalizes to E.164 `+55DDNNNNNNNN(N)`. Accepts digits with spaces, parentheses, dots and hyphens,
    /// a country code `+55` (or `55` when there are 12 or 13 digits) and a trunk `0` before the DDD.
    public static func normalize(_ raw: String, field: String = "phone") throws(ValidationError) -> String {
        let (plus, all) = try PhoneText.digits(raw, field: field)
        var digits = all[...]
        let hasCountryCode = (digits.count == 12 || digits.count == 13) && digits.starts(with: [5, 5])
        if plus {
            if !digits.starts(with: [5, 5]) {
                throw ValidationError(field: field, reason: "only Brazilian numbers (+55) are accepted")
            }
            if !hasCountryCode {
                throw lengthError(digits.count - 2, field: field)
            }
        }
        if hasCountryCode {
            digits = digits.dropFirst(2)
        } else if (digits.count == 11 || digits.count == 12) && digits.first == 0 {
            digits = digits.dropFirst()  // trunk prefix, as dialled inside Brazil: 0 11 98765-4321
        }
        guard digits.count == 10 || digits.count == 11 else {
            throw lengthError(digits.count, field: field)
        }
        let first = digits.startIndex
        let areaCode = Int(digits[first]) * 10 + Int(digits[first + 1])
        if !areaCodes.contains(areaCode) {
            let shown = areaCode < 10 ? "0\(areaCode)" : "\(areaCode)"
            throw ValidationError(field: field, reason: "unknown area code \(shown)")
        }
        let lead = digits[first + 2]
        if digits.count == 11 {
            if lead != 9 {
                throw ValidationError(field: field, reason: "mobile numbers have 9 digits starting with 9")
            }
        } else if !(2...5).contains(lead) {
            let reason = lead == 9
                ? "mobile numbers have 9 digits starting with 9"
                : "landline numbers have 8 digits starting with 2 to 5 (mobile numbers have 9 starting with 9)"
            throw ValidationError(field: field, reason: reason)
        }
        return PhoneText.e164(countryCode: "55", digits)
    }

    private static func lengthError(_ count: Int, field: String) -> ValidationError {
        ValidationError(
            field: field,
            reason: "has \(count) digits; expected a 2-digit area code and an 8- or 9-digit number")
    }
}

/// Contacts' phones (WhatsApp numbers of any country), normalized to E.164.
public enum ContactPhone {
    /// Normalizes to `+` followed by 8...15 digits. Same punctuation as `BrazilianPhone`, optional leading `+`.
    /// Without `+`, a 10- or 11-digit number starting with an assigned DDD is taken as Brazilian and gets `+55`;
    /// any other number must already start with its country code (so it cannot start with 0).
    public static func normalize(_ raw: String, field: String = "phone") throws(ValidationError) -> String {
        if PhoneText.isE164(raw) { return raw }  // what bots usually send, and what the long way would return
        let (plus, digits) = try PhoneText.digits(raw, field: field)
        guard (8...15).contains(digits.count) else {
            throw ValidationError(field: field, reason: "has \(digits.count) digits; expected 8 to 15")
        }
        if !plus && (digits.count == 10 || digits.count == 11)
            && BrazilianPhone.areaCodes.contains(Int(digits[0]) * 10 + Int(digits[1])) {
            return PhoneText.e164(countryCode: "55", digits[...])
        }
        if digits[0] == 0 {
            throw ValidationError(field: field, reason: "must start with the country code, which is never 0")
        }
        return PhoneText.e164(countryCode: "", digits[...])
    }
}

/// The shared lexical part of phone parsing.
enum PhoneText {
    /// No phone number as typed by a person is longer than this, punctuation included.
    static let maxInputBytes = 64

    /// Whether `raw` is already E.164 as stored: "+", then 8 to 15 digits, the first not 0.
    static func isE164(_ raw: String) -> Bool {
        var utf8 = raw.utf8.makeIterator()
        guard utf8.next() == UInt8(ascii: "+"), let first = utf8.next(),
              first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") else { return false }
        var count = 1
        while let byte = utf8.next() {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return false }
            count += 1
        }
        return count >= 8 && count <= 15
    }

    /// The digit values of `raw` and whether it started with `+`, rejecting any other character than
    /// digits, whitespace, `(`, `)`, `.`, `-` and one leading `+`.
    static func digits(_ raw: String, field: String) throws(ValidationError) -> (plus: Bool, digits: [UInt8]) {
        let text = raw.trimmedOfWhitespace
        if text.isEmpty {
            throw ValidationError(field: field, reason: "must not be empty")
        }
        if text.utf8.count > maxInputBytes {
            throw ValidationError(field: field, reason: "is too long")
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        var plus = false
        var first = true
        for scalar in text.unicodeScalars {
            defer { first = false }
            switch scalar {
            case "0"..."9":
                digits.append(UInt8(scalar.value - 0x30))
            case "+" where first:
                plus = true
            case "(", ")", ".", "-":
                continue
            default:
                if scalar.properties.isWhitespace { continue }
                throw ValidationError(
                    field: field,
                    reason: "may contain only digits, spaces, parentheses, dots, hyphens and a leading +")
            }
        }
        if digits.isEmpty {
            throw ValidationError(field: field, reason: "has no digits")
        }
        return (plus, digits)
    }

    static func e164(countryCode: String, _ digits: ArraySlice<UInt8>) -> String {
        var text = "+" + countryCode
        text.reserveCapacity(1 + countryCode.utf8.count + digits.count)
        for digit in digits {
            text.unicodeScalars.append(Unicode.Scalar(digit + 0x30))
        }
        return text
    }
}
