import Foundation
import UplinkIoTRegistry

/// AWS IoT's onboarding operations on a registry, with botocore's rest-json shapes: the HTTP server and
/// `uplink iot <operation>` both hand it an ``IoTAPIRequest`` and send back its ``IoTAPIResponse``.
public struct IoTControlPlane: Sendable {
    public let registry: any IoTControlRegistry
    public let settings: IoTControlPlaneSettings

    public init(registry: any IoTControlRegistry, settings: IoTControlPlaneSettings = IoTControlPlaneSettings()) {
        self.registry = registry
        self.settings = settings
    }

    /// The operations, by name, with the method and path pattern botocore uses (`{}` is a path parameter).
    public static let operations: [(name: String, method: String, path: [String])] = [
        ("RegisterCACertificate", "POST", ["cacertificate"]),
        ("UpdateCACertificate", "PUT", ["cacertificate", "{}"]),
        ("DescribeCACertificate", "GET", ["cacertificate", "{}"]),
        ("DeleteCACertificate", "DELETE", ["cacertificate", "{}"]),
        ("ListCACertificates", "GET", ["cacertificates"]),
        ("GetRegistrationCode", "GET", ["registrationcode"]),
        ("RegisterCertificate", "POST", ["certificate", "register"]),
        ("RegisterCertificateWithoutCA", "POST", ["certificate", "register-no-ca"]),
        ("UpdateCertificate", "PUT", ["certificates", "{}"]),
        ("DescribeCertificate", "GET", ["certificates", "{}"]),
        ("DeleteCertificate", "DELETE", ["certificates", "{}"]),
        ("ListCertificates", "GET", ["certificates"]),
        ("ListCertificatesByCA", "GET", ["certificates-by-ca", "{}"]),
        ("CreateKeysAndCertificate", "POST", ["keys-and-certificate"]),
        ("CreatePolicy", "POST", ["policies", "{}"]),
        ("GetPolicy", "GET", ["policies", "{}"]),
        ("AttachPolicy", "PUT", ["target-policies", "{}"]),
        ("DetachPolicy", "POST", ["target-policies", "{}"]),
        ("ListAttachedPolicies", "POST", ["attached-policies", "{}"]),
        ("CreateThing", "POST", ["things", "{}"]),
        ("DescribeThing", "GET", ["things", "{}"]),
        ("AttachThingPrincipal", "PUT", ["things", "{}", "principals"]),
        ("ListThingPrincipals", "GET", ["things", "{}", "principals"]),
        ("DescribeEndpoint", "GET", ["endpoint"]),
        ("CreateProvisioningTemplate", "POST", ["provisioning-templates"]),
        ("DescribeProvisioningTemplate", "GET", ["provisioning-templates", "{}"]),
        ("ListProvisioningTemplates", "GET", ["provisioning-templates"]),
        ("UpdateProvisioningTemplate", "PATCH", ["provisioning-templates", "{}"]),
        ("DeleteProvisioningTemplate", "DELETE", ["provisioning-templates", "{}"]),
    ]

    /// Answers one request; never throws: every failure is an AWS error response.
    public func handle(_ request: IoTAPIRequest) async -> IoTAPIResponse {
        do { return try await dispatch(request) } catch { return IoTAPIResponse(error: error) }
    }

    private func dispatch(_ request: IoTAPIRequest) async throws(IoTAPIError) -> IoTAPIResponse {
        let segments = request.segments
        var parameters = [String]()
        var name: String?
        for operation in Self.operations
        where operation.method == request.method && operation.path.count == segments.count {
            parameters = []
            var matches = true
            for (pattern, segment) in zip(operation.path, segments) {
                guard let segment else {
                    throw IoTAPIError.invalidRequest("The path is not valid percent-encoding.")
                }
                if pattern == "{}" { parameters.append(segment) } else if pattern != segment { matches = false }
            }
            if matches {
                name = operation.name
                break
            }
        }
        guard let name else { throw IoTAPIError.unknownOperation }
        let call = Call(request: request, parameters: parameters, plane: self)
        switch name {
        case "RegisterCACertificate": return try await call.registerCACertificate()
        case "UpdateCACertificate": return try await call.updateCACertificate()
        case "DescribeCACertificate": return try await call.describeCACertificate()
        case "DeleteCACertificate": return try await call.deleteCACertificate()
        case "ListCACertificates": return try await call.listCACertificates()
        case "GetRegistrationCode": return try await call.getRegistrationCode()
        case "RegisterCertificate": return try await call.registerCertificate(withCA: true)
        case "RegisterCertificateWithoutCA": return try await call.registerCertificate(withCA: false)
        case "UpdateCertificate": return try await call.updateCertificate()
        case "DescribeCertificate": return try await call.describeCertificate()
        case "DeleteCertificate": return try await call.deleteCertificate()
        case "ListCertificates": return try await call.listCertificates(byCA: false)
        case "ListCertificatesByCA": return try await call.listCertificates(byCA: true)
        case "CreateKeysAndCertificate": return try await call.createKeysAndCertificate()
        case "CreatePolicy": return try await call.createPolicy()
        case "GetPolicy": return try await call.getPolicy()
        case "AttachPolicy": return try await call.attachPolicy(detach: false)
        case "DetachPolicy": return try await call.attachPolicy(detach: true)
        case "ListAttachedPolicies": return try await call.listAttachedPolicies()
        case "CreateThing": return try await call.createThing()
        case "DescribeThing": return try await call.describeThing()
        case "AttachThingPrincipal": return try await call.attachThingPrincipal()
        case "ListThingPrincipals": return try await call.listThingPrincipals()
        case "DescribeEndpoint": return try await call.describeEndpoint()
        case "CreateProvisioningTemplate": return try await call.createProvisioningTemplate()
        case "DescribeProvisioningTemplate": return try await call.describeProvisioningTemplate()
        case "ListProvisioningTemplates": return try await call.listProvisioningTemplates()
        case "UpdateProvisioningTemplate": return try await call.updateProvisioningTemplate()
        case "DeleteProvisioningTemplate": return try await call.deleteProvisioningTemplate()
        default: throw IoTAPIError.unknownOperation
        }
    }

    /// The registration code (64 hex digits): made on first use, then the same for this registry.
    public func registrationCode() async throws(IoTAPIError) -> String {
        try await Call.registry { () throws(IoTRegistryError) in
            try await registry.setting("registration-code") { IoTIdentifiers.randomHex(bytes: 32) }
        }
    }
}

/// Random and derived identifiers.
enum IoTIdentifiers {
    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// 14 lowercase letters and digits, the shape of an account's endpoint prefix.
    static func endpointPrefix() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<14).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
