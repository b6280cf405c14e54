import Foundation

/// ISO 8601 dates for options and reports (UTC).
public enum ISODate {
    /// Parses `2030-01-31`, `2030-01-31T12:00:00Z` or `2030-01-31T12:00Z` (UTC).
    public static func parse(_ text: String) throws(CredentialError) -> Date {
        let characters = Array(text.trimmingCharacters(in: .whitespaces))
        // Positions of the separators in 2030-01-31T12:34:56Z; digits everywhere else.
        let layouts: [Int: [Int: Character]] = [
            10: [4: "-", 7: "-"],
            17: [4: "-", 7: "-", 10: "T", 13: ":", 16: "Z"],
            20: [4: "-", 7: "-", 10: "T", 13: ":", 16: ":", 19: "Z"],
        ]
        guard let layout = layouts[characters.count],
            characters.indices.allSatisfy({ index in
                if let separator = layout[index] {
                    return characters[index] == separator || (separator == "T" && characters[index] == " ")
                }
                return characters[index].isASCII && characters[index].isNumber
            })
        else {
            throw .invalidOption("'\(text)' is not an ISO 8601 date (2030-01-31 or 2030-01-31T12:00:00Z)")
        }
        func number(_ start: Int, _ length: Int) -> Int { Int(String(characters[start..<start + length])) ?? 0 }
        var components = DateComponents()
        components.year = number(0, 4)
        components.month = number(5, 2)
        components.day = number(8, 2)
        components.hour = characters.count > 10 ? number(11, 2) : 0
        components.minute = characters.count > 10 ? number(14, 2) : 0
        components.second = characters.count > 17 ? number(17, 2) : 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        components.timeZone = calendar.timeZone
        guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else {
            throw .invalidOption("'\(text)' is not a valid date")
        }
        return date
    }

    /// `2030-01-31T12:00:00Z`.
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC") ?? .current))
    }
}
