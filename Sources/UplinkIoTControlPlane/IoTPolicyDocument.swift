import Foundation

/// The checks CreatePolicy makes on a policy document before storing it (MalformedPolicyException otherwise).
///
/// A JSON object with an optional `Version` (`2012-10-17` or `2008-10-17`) and a `Statement` (one object or a
/// non-empty list); each statement has `Effect` `Allow`|`Deny`, `Action` or `NotAction` (a string or a list of
/// strings `iot:*`-shaped or `*`) and `Resource` or `NotResource` (a string or a list of strings).
public enum IoTPolicyDocument {
    /// AWS's bound on a policy document's length in characters.
    public static let maximumLength = 404_600

    /// Throws `MalformedPolicyException` saying what is wrong.
    public static func validate(_ text: String) throws(IoTAPIError) {
        guard !text.isEmpty, text.count <= maximumLength else {
            throw .malformedPolicy("Policy document must be 1 to \(maximumLength) characters long.")
        }
        guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else {
            throw .malformedPolicy("Policy document is not valid JSON.")
        }
        guard let document = value as? [String: Any] else {
            throw .malformedPolicy("Policy document must be a JSON object.")
        }
        for key in document.keys where !["Version", "Statement", "Id"].contains(key) {
            throw .malformedPolicy("Policy document has an unknown field: \(key).")
        }
        if let version = document["Version"] {
            guard let version = version as? String, ["2012-10-17", "2008-10-17"].contains(version) else {
                throw .malformedPolicy("Version must be 2012-10-17 or 2008-10-17.")
            }
        }
        let statements: [Any]
        switch document["Statement"] {
        case let list as [Any]: statements = list
        case let single as [String: Any]: statements = [single]
        case nil: throw .malformedPolicy("Policy document has no Statement.")
        default: throw .malformedPolicy("Statement must be an object or a list of objects.")
        }
        guard !statements.isEmpty else { throw .malformedPolicy("Statement must not be empty.") }
        for (index, item) in statements.enumerated() {
            guard let statement = item as? [String: Any] else {
                throw .malformedPolicy("Statement \(index + 1) is not an object.")
            }
            try validate(statement, number: index + 1)
        }
    }

    private static func validate(_ statement: [String: Any], number: Int) throws(IoTAPIError) {
        let known: Set = ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"]
        for key in statement.keys where !known.contains(key) {
            throw .malformedPolicy("Statement \(number) has an unknown field: \(key).")
        }
        guard let effect = statement["Effect"] as? String, effect == "Allow" || effect == "Deny" else {
            throw .malformedPolicy("Statement \(number): Effect must be Allow or Deny.")
        }
        let actions = try strings(statement, "Action", "NotAction", number: number)
        for action in actions where !(action == "*" || action.lowercased().hasPrefix("iot:")) {
            throw .malformedPolicy("Statement \(number): action \(action) is not an iot: action.")
        }
        _ = try strings(statement, "Resource", "NotResource", number: number)
        if let condition = statement["Condition"], !(condition is [String: Any]) {
            throw .malformedPolicy("Statement \(number): Condition must be an object.")
        }
    }

    private static func strings(_ statement: [String: Any], _ key: String, _ notKey: String, number: Int)
        throws(IoTAPIError) -> [String]
    {
        let present = [key, notKey].filter { statement[$0] != nil }
        guard present.count == 1 else {
            throw .malformedPolicy("Statement \(number) must have exactly one of \(key) and \(notKey).")
        }
        let value = statement[present[0]]
        if let single = value as? String, !single.isEmpty { return [single] }
        if let list = value as? [Any], !list.isEmpty {
            var result = [String]()
            for item in list {
                guard let text = item as? String, !text.isEmpty else {
                    throw .malformedPolicy("Statement \(number): \(present[0]) must hold non-empty strings.")
                }
                result.append(text)
            }
            return result
        }
        throw .malformedPolicy("Statement \(number): \(present[0]) must be a string or a non-empty list of strings.")
    }
}
