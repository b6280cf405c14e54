import Foundation

/// A parsed AWS IoT device policy (the IAM-like JSON document), ready for ``IoTPolicyEvaluator``.
///
/// Parsing is pure (no I/O). What AWS's IAM grammar has and the front does not evaluate: `NotAction`,
/// `NotResource` and `Principal` are refused with a precise error; a statement with a `Condition` is parsed but
/// never matches (documented in docs/iot.md).
public struct IoTPolicyDocument: Sendable, Equatable {
    /// Allow or Deny.
    public enum Effect: String, Sendable, Equatable {
        case allow = "Allow"
        case deny = "Deny"
    }

    /// One statement.
    public struct Statement: Sendable, Equatable {
        public var effect: Effect
        /// Action patterns (`iot:Publish`, `iot:*`), compared case-insensitively.
        public var actions: [String]
        /// Resource patterns (ARNs with `*`/`?` wildcards and `${...}` variables).
        public var resources: [String]
        /// Whether the statement carries a `Condition` (not evaluated: such a statement never matches).
        public var hasCondition: Bool
    }

    public var version: String?
    public var statements: [Statement]

    /// Parses a policy document's JSON text.
    public init(json: String) throws(IoTPolicyError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [])
        } catch {
            throw .notJSON("\((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error.localizedDescription)")
        }
        guard let root = object as? [String: Any] else {
            throw .invalid("the policy document must be a JSON object")
        }
        for key in root.keys where !["Version", "Statement", "Id"].contains(key) {
            throw .invalid("unknown top-level field \"\(key)\" (expected Version, Statement, Id)")
        }
        if let version = root["Version"] {
            guard let text = version as? String, ["2012-10-17", "2008-10-17"].contains(text) else {
                throw .invalid("Version must be \"2012-10-17\" (or \"2008-10-17\"), not \(version)")
            }
            self.version = text
        }
        let list: [Any]
        switch root["Statement"] {
        case nil: throw .invalid("the policy document has no Statement")
        case let array as [Any]: list = array
        case let single as [String: Any]: list = [single]
        default: throw .invalid("Statement must be an object or an array of objects")
        }
        guard !list.isEmpty else { throw .invalid("Statement is empty") }
        var statements = [Statement]()
        for (index, item) in list.enumerated() {
            statements.append(try Self.statement(item, index: index + 1))
        }
        self.statements = statements
    }

    private static func statement(_ item: Any, index: Int) throws(IoTPolicyError) -> Statement {
        guard let fields = item as? [String: Any] else {
            throw .invalid("statement \(index) is not a JSON object")
        }
        for key in fields.keys where !["Sid", "Effect", "Action", "Resource", "Condition"].contains(key) {
            throw .invalid(
                "statement \(index): field \"\(key)\" is not supported (Sid, Effect, Action, Resource, Condition)")
        }
        guard let effectText = fields["Effect"] as? String else {
            throw .invalid("statement \(index) has no Effect (\"Allow\" or \"Deny\")")
        }
        guard let effect = Effect(rawValue: effectText) else {
            throw .invalid("statement \(index): Effect must be \"Allow\" or \"Deny\", not \"\(effectText)\"")
        }
        let actions = try strings(fields["Action"], field: "Action", index: index)
        for action in actions where !(action == "*" || action.lowercased().hasPrefix("iot:")) {
            throw .invalid("statement \(index): action \"\(action)\" is not an iot: action")
        }
        let resources = try strings(fields["Resource"], field: "Resource", index: index)
        return Statement(
            effect: effect, actions: actions, resources: resources, hasCondition: fields["Condition"] != nil)
    }

    private static func strings(_ value: Any?, field: String, index: Int) throws(IoTPolicyError) -> [String] {
        switch value {
        case nil: throw .invalid("statement \(index) has no \(field)")
        case let text as String: return [text]
        case let array as [Any]:
            var result = [String]()
            for element in array {
                guard let text = element as? String else {
                    throw .invalid("statement \(index): every \(field) must be a string")
                }
                result.append(text)
            }
            guard !result.isEmpty else { throw .invalid("statement \(index): \(field) is empty") }
            return result
        default: throw .invalid("statement \(index): \(field) must be a string or an array of strings")
        }
    }
}

/// Why a policy document cannot be used.
public enum IoTPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not JSON; the parser's reason.
    case notJSON(String)
    /// JSON, but not a policy document the front understands; what is wrong and where.
    case invalid(String)

    public var description: String {
        switch self {
        case .notJSON(let reason): return "the policy document is not valid JSON: \(reason)"
        case .invalid(let reason): return "malformed policy document: \(reason)"
        }
    }
}
