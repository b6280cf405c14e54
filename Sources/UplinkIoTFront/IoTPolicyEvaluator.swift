/// The device actions the front checks (AWS IoT policy actions).
public enum IoTAction: String, Sendable, CaseIterable {
    case connect = "iot:Connect"
    case publish = "iot:Publish"
    case subscribe = "iot:Subscribe"
    case receive = "iot:Receive"
    case retainPublish = "iot:RetainPublish"
}

/// The outcome of a policy check, as AWS's TestAuthorization spells it.
public enum IoTAuthDecision: String, Sendable, Equatable {
    case allowed = "ALLOWED"
    case explicitDeny = "EXPLICIT_DENY"
    case implicitDeny = "IMPLICIT_DENY"

    public var isAllowed: Bool { self == .allowed }
}

/// What policy variables resolve to on one connection.
public struct IoTPolicyContext: Sendable, Equatable {
    /// The MQTT client id (`${iot:ClientId}`).
    public var clientId: String?
    /// The thing attached to the certificate whose name is the client id (`${iot:Connection.Thing.ThingName}`).
    public var thingName: String?
    /// The certificate subject's attributes by AWS's names (`CommonName`, `Organization`, ...), first value each.
    public var subject: [String: String]
    /// The certificate issuer's attributes, the same way.
    public var issuer: [String: String]
    /// The certificate's serial number (`${iot:Certificate.SerialNumber}`).
    public var serialNumber: String?

    public init(
        clientId: String? = nil, thingName: String? = nil, subject: [String: String] = [:],
        issuer: [String: String] = [:], serialNumber: String? = nil
    ) {
        self.clientId = clientId
        self.thingName = thingName
        self.subject = subject
        self.issuer = issuer
        self.serialNumber = serialNumber
    }

    /// The value of a variable (the text between `${` and `}`), or `nil` when unknown or unset.
    func value(of variable: String) -> String? {
        switch variable {
        case "iot:ClientId": return clientId
        case "iot:Connection.Thing.ThingName": return thingName
        case "iot:Connection.Thing.IsAttached": return thingName == nil ? "false" : "true"
        case "iot:Certificate.SerialNumber": return serialNumber
        default:
            if variable.hasPrefix("iot:Certificate.Subject.") {
                return subject[String(variable.dropFirst("iot:Certificate.Subject.".count))]
            }
            if variable.hasPrefix("iot:Certificate.Issuer.") {
                return issuer[String(variable.dropFirst("iot:Certificate.Issuer.".count))]
            }
            return nil
        }
    }
}

/// Evaluates device policies (pure): any matching Deny wins, else any matching Allow, else the implicit deny.
public struct IoTPolicyEvaluator: Sendable {
    public var region: String
    public var account: String

    public init(region: String, account: String) {
        self.region = region
        self.account = account
    }

    /// The resource ARN an action is checked on: `client/<id>` for Connect, `topicfilter/<filter>` for Subscribe,
    /// `topic/<topic>` for the others.
    public func resource(for action: IoTAction, _ name: String) -> String {
        let kind: String
        switch action {
        case .connect: kind = "client"
        case .subscribe: kind = "topicfilter"
        case .publish, .receive, .retainPublish: kind = "topic"
        }
        return "arn:aws:iot:\(region):\(account):\(kind)/\(name)"
    }

    /// The decision for `action` on `name` (client id, topic or filter) under `policies`.
    public func evaluate(
        _ action: IoTAction, on name: String, policies: [IoTPolicyDocument], context: IoTPolicyContext
    ) -> IoTAuthDecision {
        let arn = Array(resource(for: action, name).utf8)
        var allowed = false
        for policy in policies {
            for statement in policy.statements where !statement.hasCondition {
                guard statement.actions.contains(where: { Self.actionMatches($0, action) }) else { continue }
                let matches = statement.resources.contains { pattern in
                    IoTWildcard.matches(pattern: Self.substitute(pattern, context), Array(arn))
                }
                guard matches else { continue }
                if statement.effect == .deny { return .explicitDeny }
                allowed = true
            }
        }
        return allowed ? .allowed : .implicitDeny
    }

    /// Whether an action pattern (`iot:Publish`, `iot:*`, `*`, `iot:Pub*`) names `action`; case-insensitive.
    static func actionMatches(_ pattern: String, _ action: IoTAction) -> Bool {
        IoTWildcard.matches(pattern: Array(pattern.lowercased().utf8), Array(action.rawValue.lowercased().utf8))
    }

    /// Replaces `${...}` variables the context knows, except values AWS does not substitute (containing `*`, `$`,
    /// `+`, `?`, `#`, or longer than 1024 bytes): those, and unknown variables, stay as literal text. The result is
    /// the pattern's bytes with escapes `$(*)`, `$(?)`, `$($)` kept for the matcher.
    static func substitute(_ pattern: String, _ context: IoTPolicyContext) -> [UInt8] {
        let bytes = Array(pattern.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "$"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "{"),
                let close = bytes[(index + 2)...].firstIndex(of: UInt8(ascii: "}"))
            {
                let name = String(decoding: bytes[(index + 2)..<close], as: UTF8.self)
                if let value = context.value(of: name), value.utf8.count <= 1024,
                    !value.utf8.contains(where: { "*$+?#".utf8.contains($0) })
                {
                    out.append(contentsOf: value.utf8)
                } else {
                    // Left literal: escape its `$` so the matcher does not read `$(`.
                    out.append(contentsOf: Array("$($)".utf8))
                    out.append(contentsOf: bytes[(index + 1)...close])
                }
                index = close + 1
                continue
            }
            out.append(bytes[index])
            index += 1
        }
        return out
    }
}

/// IAM-style wildcard matching on bytes: `*` any run (including `/`), `?` exactly one character, escapes `$(*)`,
/// `$(?)`, `$($)` for the literal characters; everything else (`+`, `#` included) literal.
enum IoTWildcard {
    enum Token: Equatable {
        case byte(UInt8)
        case any
        case one
    }

    static func tokens(_ pattern: [UInt8]) -> [Token] {
        var tokens = [Token]()
        var index = 0
        while index < pattern.count {
            let byte = pattern[index]
            if byte == UInt8(ascii: "$"), index + 3 < pattern.count, pattern[index + 1] == UInt8(ascii: "("),
                pattern[index + 3] == UInt8(ascii: ")"), "*?$".utf8.contains(pattern[index + 2])
            {
                tokens.append(.byte(pattern[index + 2]))
                index += 4
                continue
            }
            switch byte {
            case UInt8(ascii: "*"): if tokens.last != .any { tokens.append(.any) }
            case UInt8(ascii: "?"): tokens.append(.one)
            default: tokens.append(.byte(byte))
            }
            index += 1
        }
        return tokens
    }

    static func matches(pattern: [UInt8], _ text: [UInt8]) -> Bool {
        let tokens = tokens(pattern)
        // `?` is one character: work on scalars' starts so a multi-byte character counts once.
        let characters = characterStarts(text)
        // Classic greedy matching with one backtrack point for `*`, over character positions.
        var t = 0
        var c = 0
        var star: (token: Int, character: Int)?
        while c < characters.count - 1 {
            if t < tokens.count {
                switch tokens[t] {
                case .any:
                    star = (t, c)
                    t += 1
                    continue
                case .one:
                    t += 1
                    c += 1
                    continue
                case .byte(let byte):
                    if characters[c + 1] - characters[c] == 1, text[characters[c]] == byte {
                        t += 1
                        c += 1
                        continue
                    }
                    if characters[c + 1] - characters[c] > 1, byte == text[characters[c]] {
                        // A multi-byte character: compare all its bytes with the next tokens.
                        let length = characters[c + 1] - characters[c]
                        if t + length <= tokens.count,
                            (0..<length).allSatisfy({ tokens[t + $0] == .byte(text[characters[c] + $0]) })
                        {
                            t += length
                            c += 1
                            continue
                        }
                    }
                }
            }
            guard let backtrack = star else { return false }
            t = backtrack.token + 1
            c = backtrack.character + 1
            star = (backtrack.token, backtrack.character + 1)
        }
        while t < tokens.count, tokens[t] == .any { t += 1 }
        return t == tokens.count
    }

    /// The byte offsets where each character starts, plus the end.
    private static func characterStarts(_ text: [UInt8]) -> [Int] {
        var starts = [Int]()
        starts.reserveCapacity(text.count + 1)
        for (index, byte) in text.enumerated() where byte & 0xC0 != 0x80 { starts.append(index) }
        starts.append(text.count)
        return starts
    }
}
