import Foundation

/// A registry held in memory: for the front's development and tests (`uplink iot serve --registry memory`).
/// Nothing survives the process; every operation is atomic (one actor step).
public actor InMemoryIoTRegistry: IoTRegistry {
    private var cas: [String: IoTCACertificate] = [:]
    private var certificates: [String: IoTCertificate] = [:]
    private var policies: [String: IoTPolicy] = [:]
    private var things: [String: IoTThing] = [:]
    /// Target ARN → attached policy names, in attachment order.
    private var policyTargets: [String: [String]] = [:]
    /// Thing name → principals.
    private var thingPrincipals: [String: [String]] = [:]
    /// Template name → provisioning template (see `InMemoryIoTRegistry+ProvisioningTemplates.swift`).
    var provisioningTemplates: [String: IoTProvisioningTemplateRecord] = [:]

    public init() {}

    /// Registers (or replaces) a CA certificate: what the control plane's RegisterCACertificate does.
    public func putCACertificate(_ ca: IoTCACertificate) {
        cas[ca.certificateId] = ca
    }

    public func caCertificate(id: String) async throws(IoTRegistryError) -> IoTCACertificate? { cas[id] }

    public func caCertificates() async throws(IoTRegistryError) -> [IoTCACertificate] {
        cas.values.sorted { $0.creationDate < $1.creationDate }
    }

    public func certificate(id: String) async throws(IoTRegistryError) -> IoTCertificate? { certificates[id] }

    public func registerCertificate(_ certificate: IoTCertificate) async throws(IoTRegistryError) -> IoTCertificate {
        if let existing = certificates[certificate.certificateId] { return existing }
        certificates[certificate.certificateId] = certificate
        return certificate
    }

    public func updateCertificateStatus(id: String, to status: IoTCertificateStatus) async throws(IoTRegistryError) {
        guard var record = certificates[id] else { throw .notFound("certificate \(id)") }
        record.status = status
        record.lastModifiedDate = Date()
        record.customerVersion += 1
        certificates[id] = record
    }

    public func createPolicy(_ policy: IoTPolicy) async throws(IoTRegistryError) {
        if let existing = policies[policy.policyName] {
            throw .alreadyExists(resourceId: existing.policyName, resourceArn: existing.policyArn)
        }
        policies[policy.policyName] = policy
    }

    public func policy(name: String) async throws(IoTRegistryError) -> IoTPolicy? { policies[name] }

    public func attachPolicy(name: String, target: String) async throws(IoTRegistryError) {
        guard policies[name] != nil else { throw .notFound("policy \(name)") }
        if !(policyTargets[target] ?? []).contains(name) { policyTargets[target, default: []].append(name) }
    }

    public func attachedPolicies(target: String) async throws(IoTRegistryError) -> [IoTPolicy] {
        (policyTargets[target] ?? []).compactMap { policies[$0] }
    }

    public func createThing(_ thing: IoTThing) async throws(IoTRegistryError) {
        if let existing = things[thing.thingName] {
            throw .alreadyExists(resourceId: existing.thingId, resourceArn: existing.thingArn)
        }
        things[thing.thingName] = thing
    }

    public func thing(name: String) async throws(IoTRegistryError) -> IoTThing? { things[name] }

    public func attachThingPrincipal(thingName: String, principal: String) async throws(IoTRegistryError) {
        guard things[thingName] != nil else { throw .notFound("thing \(thingName)") }
        if !(thingPrincipals[thingName] ?? []).contains(principal) {
            thingPrincipals[thingName, default: []].append(principal)
        }
    }

    public func thingNames(principal: String) async throws(IoTRegistryError) -> [String] {
        thingPrincipals.filter { $0.value.contains(principal) }.map(\.key).sorted()
    }

    public func provision(_ plan: IoTProvisioningPlan) async throws(IoTRegistryError) {
        // Check everything first, then apply: all of it or nothing.
        let newPolicies = Set(plan.policies.map(\.policyName))
        for attachment in plan.policyAttachments
        where policies[attachment.policyName] == nil && !newPolicies.contains(attachment.policyName) {
            throw .notFound("policy \(attachment.policyName)")
        }
        let newThings = Set(plan.things.map(\.thingName))
        for pair in plan.thingPrincipals where things[pair.thingName] == nil && !newThings.contains(pair.thingName) {
            throw .notFound("thing \(pair.thingName)")
        }
        var record = plan.certificate
        if let existing = certificates[record.certificateId] {
            record.creationDate = existing.creationDate
            record.customerVersion = existing.customerVersion + 1
        }
        certificates[record.certificateId] = record
        for thing in plan.things where things[thing.thingName] == nil { things[thing.thingName] = thing }
        for policy in plan.policies where policies[policy.policyName] == nil { policies[policy.policyName] = policy }
        for attachment in plan.policyAttachments
        where !(policyTargets[attachment.target] ?? []).contains(attachment.policyName) {
            policyTargets[attachment.target, default: []].append(attachment.policyName)
        }
        for pair in plan.thingPrincipals where !(thingPrincipals[pair.thingName] ?? []).contains(pair.principal) {
            thingPrincipals[pair.thingName, default: []].append(pair.principal)
        }
    }
}
