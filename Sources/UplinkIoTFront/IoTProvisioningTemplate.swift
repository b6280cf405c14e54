import Foundation
import UplinkIoTRegistry

/// A JITP provisioning template (the CA's `registrationConfig.templateBody`), evaluated for one device
/// certificate into the plan the registry applies in one transaction. Pure: no I/O.
///
/// Parameters JITP can fill: `AWS::IoT::Certificate::{Country, Organization, OrganizationalUnit,
/// DistinguishedNameQualifier, StateName, CommonName, SerialNumber, Id}`; a declared parameter the certificate
/// lacks (and that has no `Default`) fails the evaluation. Resources: `AWS::IoT::Thing` (`ThingName`,
/// `AttributePayload`, `ThingTypeName`), `AWS::IoT::Certificate` (`CertificateId`, `Status`), `AWS::IoT::Policy`
/// (`PolicyName` of an existing policy, or `PolicyDocument`). Values: strings, `Ref`, `Fn::Join`, `Fn::Sub`,
/// `Fn::Select`, `Fn::Split`.
public struct IoTProvisioningTemplate: Sendable {
    /// Why a template cannot be used for a certificate.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The template is not JSON or not a template; the reason.
        case malformed(String)
        /// A declared parameter the certificate does not carry.
        case missingParameter(String)
        /// `Fn::Select` past the end of its list for this certificate's values (the path and the index).
        case selectOutOfRange(String)

        public var description: String {
            switch self {
            case .malformed(let reason): return "malformed provisioning template: \(reason)"
            case .missingParameter(let name): return "the certificate has no value for template parameter \(name)"
            case .selectOutOfRange(let what): return "\(what) is out of range for this certificate's values"
            }
        }
    }

    /// The device certificate being provisioned.
    public struct Device: Sendable {
        public var certificateId: String
        public var certificatePem: String
        public var caCertificateId: String
        public var subject: [String: String]

        public init(certificateId: String, certificatePem: String, caCertificateId: String, subject: [String: String]) {
            self.certificateId = certificateId
            self.certificatePem = certificatePem
            self.caCertificateId = caCertificateId
            self.subject = subject
        }
    }

    /// The template's JSON text.
    public let body: String

    /// Checks a template body (JSON object with Resources, at most 10,240 characters).
    public init(body: String) throws(Failure) {
        self.body = body
        _ = try Self.parse(body)
    }

    private static func parse(_ body: String) throws(Failure) -> [String: Any] {
        guard body.utf8.count <= 10_240 else { throw .malformed("templateBody is over 10240 characters") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)),
            let root = object as? [String: Any]
        else { throw .malformed("templateBody is not a JSON object") }
        guard root["Resources"] is [String: Any] else { throw .malformed("the template has no Resources object") }
        return root
    }

    /// The plan for `device`, or the reason it cannot be provisioned. `now` dates the records.
    public func plan(for device: Device, account: IoTAccount, now: Date) throws(Failure) -> IoTProvisioningPlan {
        let root = try Self.parse(body)
        let parameters = try resolveParameters(device, root)
        let certificateArn = account.certificateArn(device.certificateId)
        var status = IoTCertificateStatus.active
        var things = [IoTThing]()
        var policies = [IoTPolicy]()
        var policyNames = [String]()
        guard let resources = root["Resources"] as? [String: Any] else { throw .malformed("no Resources") }
        for (logical, value) in resources.sorted(by: { $0.key < $1.key }) {
            guard let resource = value as? [String: Any], let type = resource["Type"] as? String else {
                throw .malformed("resource \(logical) has no Type")
            }
            let properties = resource["Properties"] as? [String: Any] ?? [:]
            switch type {
            case "AWS::IoT::Thing":
                guard let nameValue = properties["ThingName"] else {
                    throw .malformed("resource \(logical): AWS::IoT::Thing needs ThingName")
                }
                let name = try string(nameValue, parameters, at: "\(logical).ThingName")
                var attributes = [String: String]()
                if let payload = properties["AttributePayload"] as? [String: Any] {
                    for (key, value) in payload {
                        attributes[key] = try string(value, parameters, at: "\(logical).AttributePayload.\(key)")
                    }
                }
                var typeName: String?
                if let value = properties["ThingTypeName"] {
                    typeName = try string(value, parameters, at: "\(logical).ThingTypeName")
                }
                things.append(
                    IoTThing(
                        thingName: name, thingArn: account.thingArn(name), thingId: UUID().uuidString.lowercased(),
                        thingTypeName: typeName, attributes: attributes, version: 1))
            case "AWS::IoT::Certificate":
                if let id = properties["CertificateId"] {
                    let text = try string(id, parameters, at: "\(logical).CertificateId")
                    guard text == device.certificateId else {
                        throw .malformed(
                            "resource \(logical): JITP's CertificateId must be {\"Ref\":\"AWS::IoT::Certificate::Id\"}")
                    }
                }
                if let value = properties["Status"] {
                    let text = try string(value, parameters, at: "\(logical).Status")
                    guard let parsed = IoTCertificateStatus(rawValue: text), [.active, .inactive].contains(parsed)
                    else { throw .malformed("resource \(logical): Status must be ACTIVE or INACTIVE, not \(text)") }
                    status = parsed
                }
            case "AWS::IoT::Policy":
                var name: String?
                var document: String?
                if let value = properties["PolicyName"] {
                    name = try string(value, parameters, at: "\(logical).PolicyName")
                }
                if let value = properties["PolicyDocument"] {
                    document = try policyDocument(value, parameters, at: "\(logical).PolicyDocument")
                }
                switch (name, document) {
                case (let name?, nil):
                    policyNames.append(name)
                case (let name, let document?):
                    do {
                        _ = try IoTPolicyDocument(json: document)
                    } catch {
                        throw .malformed("resource \(logical): \(error)")
                    }
                    let policyName = name ?? IoTAccount.certificateId(der: Array(document.utf8))
                    policies.append(
                        IoTPolicy(
                            policyName: policyName, policyArn: account.policyArn(policyName),
                            policyDocument: document, defaultVersionId: "1", creationDate: now, lastModifiedDate: now,
                            generationId: UUID().uuidString.lowercased()))
                    policyNames.append(policyName)
                default:
                    throw .malformed("resource \(logical): AWS::IoT::Policy needs PolicyName or PolicyDocument")
                }
            default:
                throw .malformed("resource \(logical): type \(type) is not one JITP provisions")
            }
        }
        let certificate = IoTCertificate(
            certificateId: device.certificateId, certificateArn: certificateArn, certificatePem: device.certificatePem,
            status: status, caCertificateId: device.caCertificateId, creationDate: now, lastModifiedDate: now,
            customerVersion: 1, generationId: UUID().uuidString.lowercased())
        return IoTProvisioningPlan(
            certificate: certificate, things: things, policies: policies,
            policyAttachments: policyNames.map { .init(policyName: $0, target: certificateArn) },
            thingPrincipals: things.map { .init(thingName: $0.thingName, principal: certificateArn) })
    }

    /// The declared parameters' values: from the certificate, else `Default`; missing → failure.
    private func resolveParameters(_ device: Device, _ root: [String: Any]) throws(Failure) -> [String: String] {
        var values = [String: String]()
        values["AWS::IoT::Certificate::Id"] = device.certificateId
        for (key, value) in device.subject { values["AWS::IoT::Certificate::\(key)"] = value }
        var resolved = [String: String]()
        let declared = root["Parameters"] as? [String: Any] ?? [:]
        for (name, definition) in declared {
            if let value = values[name] {
                resolved[name] = value
            } else if let fields = definition as? [String: Any], let fallback = fields["Default"] as? String {
                resolved[name] = fallback
            } else {
                throw .missingParameter(name)
            }
        }
        return resolved
    }

    private func policyDocument(_ value: Any, _ parameters: [String: String], at path: String) throws(Failure) -> String
    {
        if value is [String: Any] && (value as? [String: Any])?["Statement"] != nil,
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        {
            return String(decoding: data, as: UTF8.self)
        }
        return try string(value, parameters, at: path)
    }

    /// A template value as text: a string, `{"Ref": p}`, `Fn::Join`, `Fn::Sub`, `Fn::Select`.
    private func string(_ value: Any, _ parameters: [String: String], at path: String) throws(Failure) -> String {
        switch value {
        case let text as String: return text
        case let number as NSNumber: return number.stringValue
        case let object as [String: Any] where object.count == 1:
            let (function, argument) = (object.keys.first ?? "", object.values.first as Any)
            switch function {
            case "Ref":
                guard let name = argument as? String else { throw .malformed("\(path): Ref needs a name") }
                guard let resolved = parameters[name] else {
                    throw .malformed("\(path): Ref to undeclared parameter \(name)")
                }
                return resolved
            case "Fn::Join":
                guard let pair = argument as? [Any], pair.count == 2, let separator = pair[0] as? String,
                    let parts = pair[1] as? [Any]
                else { throw .malformed("\(path): Fn::Join needs [separator, [values]]") }
                var texts = [String]()
                for part in parts { texts.append(try string(part, parameters, at: path)) }
                return texts.joined(separator: separator)
            case "Fn::Sub":
                guard let text = argument as? String else { throw .malformed("\(path): Fn::Sub needs a string") }
                return try substitute(text, parameters, at: path)
            case "Fn::Select":
                guard let pair = argument as? [Any], pair.count == 2 else {
                    throw .malformed("\(path): Fn::Select needs [index, list]")
                }
                let indexText = try string(pair[0], parameters, at: path)
                let list = try self.list(pair[1], parameters, at: path)
                guard let index = Int(indexText), index >= 0 else {
                    throw .malformed("\(path): Fn::Select index \(indexText) is not a number from 0")
                }
                guard list.indices.contains(index) else {
                    throw .selectOutOfRange("\(path): Fn::Select index \(index)")
                }
                return list[index]
            default:
                throw .malformed("\(path): function \(function) is not supported")
            }
        default:
            throw .malformed("\(path): expected a string or a function")
        }
    }

    private func list(_ value: Any, _ parameters: [String: String], at path: String) throws(Failure) -> [String] {
        if let object = value as? [String: Any], let split = object["Fn::Split"] as? [Any], split.count == 2,
            let separator = split[0] as? String, !separator.isEmpty
        {
            return try string(split[1], parameters, at: path).components(separatedBy: separator)
        }
        guard let array = value as? [Any] else { throw .malformed("\(path): expected a list") }
        var result = [String]()
        for element in array { result.append(try string(element, parameters, at: path)) }
        return result
    }

    private func substitute(_ text: String, _ parameters: [String: String], at path: String) throws(Failure) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw .malformed("\(path): unclosed ${ in Fn::Sub")
            }
            let name = String(rest[open.upperBound..<close])
            guard let value = parameters[name] else { throw .malformed("\(path): Fn::Sub names undeclared \(name)") }
            result += value
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
