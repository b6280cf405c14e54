import Testing

@testable import UplinkIoTFront

/// The device policy language (reference §4): parsing with precise errors, wildcards, variables, Deny wins.
@Suite("Device policies: parser and evaluator")
struct PolicyEvaluatorTests {
    let evaluator = IoTPolicyEvaluator(region: "us-east-1", account: "123456789012")
    let arn = "arn:aws:iot:us-east-1:123456789012"

    func policy(_ statements: String) throws -> IoTPolicyDocument {
        try IoTPolicyDocument(json: "{\"Version\":\"2012-10-17\",\"Statement\":[\(statements)]}")
    }

    func allow(_ action: String, _ resource: String) -> String {
        "{\"Effect\":\"Allow\",\"Action\":\"\(action)\",\"Resource\":\"\(resource)\"}"
    }

    @Test("Malformed documents are refused with the reason")
    func malformed() {
        func reason(_ json: String) -> String {
            do {
                _ = try IoTPolicyDocument(json: json)
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(reason("{\"Statement\": [").hasPrefix("the policy document is not valid JSON"))
        #expect(reason("[]") == "malformed policy document: the policy document must be a JSON object")
        #expect(reason("{}") == "malformed policy document: the policy document has no Statement")
        #expect(reason("{\"Statement\":[]}") == "malformed policy document: Statement is empty")
        #expect(
            reason("{\"Statement\":{\"Effect\":\"Permit\",\"Action\":\"iot:Connect\",\"Resource\":\"*\"}}")
                == "malformed policy document: statement 1: Effect must be \"Allow\" or \"Deny\", not \"Permit\"")
        #expect(
            reason("{\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"*\"}]}")
                == "malformed policy document: statement 1 has no Action")
        #expect(
            reason("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}")
                == "malformed policy document: statement 1: action \"s3:GetObject\" is not an iot: action")
        #expect(
            reason("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[1],\"Resource\":\"*\"}]}")
                == "malformed policy document: statement 1: every Action must be a string")
        #expect(
            reason("{\"Version\":\"2020-01-01\",\"Statement\":[]}")
                == "malformed policy document: Version must be \"2012-10-17\" (or \"2008-10-17\"), not 2020-01-01")
        #expect(
            reason("{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"iot:Connect\",\"Resource\":\"*\"}]}")
                .contains("field \"NotAction\" is not supported"))
    }

    @Test("Default deny; an Allow grants; an explicit Deny wins over any Allow")
    func denyWins() throws {
        let none = try policy(allow("iot:Connect", "\(arn):client/a"))
        #expect(evaluator.evaluate(.publish, on: "t", policies: [none], context: .init()) == .implicitDeny)
        #expect(evaluator.evaluate(.connect, on: "a", policies: [none], context: .init()) == .allowed)
        #expect(evaluator.evaluate(.connect, on: "b", policies: [none], context: .init()) == .implicitDeny)
        let deny = try policy("{\"Effect\":\"Deny\",\"Action\":\"iot:*\",\"Resource\":\"\(arn):client/a\"}")
        #expect(evaluator.evaluate(.connect, on: "a", policies: [none, deny], context: .init()) == .explicitDeny)
        // Actions are case-insensitive; `iot:*` covers every action.
        let lower = try policy(allow("IOT:connect", "*"))
        #expect(evaluator.evaluate(.connect, on: "x", policies: [lower], context: .init()) == .allowed)
        // A statement with a Condition is never applied (documented).
        let conditioned = try policy(
            "{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"x\":\"true\"}}}"
        )
        #expect(evaluator.evaluate(.connect, on: "x", policies: [conditioned], context: .init()) == .implicitDeny)
    }

    @Test("`*` matches any run including '/', `?` one character, `+` and `#` are literal, escapes")
    func wildcards() throws {
        let star = try policy(allow("iot:Publish", "\(arn):topic/sensors/*"))
        #expect(evaluator.evaluate(.publish, on: "sensors/a/b/c", policies: [star], context: .init()) == .allowed)
        #expect(evaluator.evaluate(.publish, on: "sensors", policies: [star], context: .init()) == .implicitDeny)
        let one = try policy(allow("iot:Publish", "\(arn):topic/room?"))
        #expect(evaluator.evaluate(.publish, on: "room1", policies: [one], context: .init()) == .allowed)
        #expect(evaluator.evaluate(.publish, on: "room12", policies: [one], context: .init()) == .implicitDeny)
        #expect(evaluator.evaluate(.publish, on: "roomé", policies: [one], context: .init()) == .allowed)
        let plus = try policy(allow("iot:Subscribe", "\(arn):topicfilter/a/+/c"))
        #expect(evaluator.evaluate(.subscribe, on: "a/+/c", policies: [plus], context: .init()) == .allowed)
        #expect(evaluator.evaluate(.subscribe, on: "a/b/c", policies: [plus], context: .init()) == .implicitDeny)
        let hash = try policy(allow("iot:Subscribe", "\(arn):topicfilter/a/#"))
        #expect(evaluator.evaluate(.subscribe, on: "a/#", policies: [hash], context: .init()) == .allowed)
        #expect(evaluator.evaluate(.subscribe, on: "a/b", policies: [hash], context: .init()) == .implicitDeny)
        let escaped = try policy(allow("iot:Publish", "\(arn):topic/what$(?)$(*)"))
        #expect(evaluator.evaluate(.publish, on: "what?*", policies: [escaped], context: .init()) == .allowed)
        #expect(evaluator.evaluate(.publish, on: "whatx*", policies: [escaped], context: .init()) == .implicitDeny)
        // Topic ARNs are not topic filters: Subscribe is checked on topicfilter/, not topic/.
        let wrongKind = try policy(allow("iot:Subscribe", "\(arn):topic/a"))
        #expect(evaluator.evaluate(.subscribe, on: "a", policies: [wrongKind], context: .init()) == .implicitDeny)
    }

    @Test("Variables: client id, thing name, certificate subject; unsafe values stay literal")
    func variables() throws {
        let document = try policy(
            [
                allow("iot:Connect", "\(arn):client/${iot:Connection.Thing.ThingName}"),
                allow("iot:Publish", "\(arn):topic/d/${iot:ClientId}/*"),
                allow("iot:Publish", "\(arn):topic/org/${iot:Certificate.Subject.Organization}"),
            ].joined(separator: ","))
        var context = IoTPolicyContext(clientId: "dev-1", thingName: "dev-1", subject: ["Organization": "Acme"])
        #expect(evaluator.evaluate(.connect, on: "dev-1", policies: [document], context: context) == .allowed)
        #expect(evaluator.evaluate(.publish, on: "d/dev-1/t", policies: [document], context: context) == .allowed)
        #expect(evaluator.evaluate(.publish, on: "d/dev-2/t", policies: [document], context: context) == .implicitDeny)
        #expect(evaluator.evaluate(.publish, on: "org/Acme", policies: [document], context: context) == .allowed)
        // No thing attached under that name: the variable is not substituted; it stays literal text, as AWS
        // documents, so only that literal text matches.
        context.thingName = nil
        #expect(evaluator.evaluate(.connect, on: "dev-1", policies: [document], context: context) == .implicitDeny)
        #expect(
            evaluator.evaluate(
                .connect, on: "${iot:Connection.Thing.ThingName}", policies: [document], context: context)
                == .allowed)
        // A client id with a wildcard character is not substituted (it would widen the grant).
        let sneaky = IoTPolicyContext(clientId: "*")
        #expect(evaluator.evaluate(.publish, on: "d/*/t", policies: [document], context: sneaky) == .implicitDeny)
        #expect(evaluator.evaluate(.publish, on: "d/x/t", policies: [document], context: sneaky) == .implicitDeny)
    }

    @Test("RetainPublish and Receive are their own actions on topic ARNs")
    func otherActions() throws {
        let document = try policy(allow("iot:Receive", "\(arn):topic/in/*"))
        #expect(evaluator.evaluate(.receive, on: "in/1", policies: [document], context: .init()) == .allowed)
        #expect(evaluator.evaluate(.retainPublish, on: "in/1", policies: [document], context: .init()) == .implicitDeny)
        #expect(evaluator.resource(for: .retainPublish, "a") == "\(arn):topic/a")
    }
}
