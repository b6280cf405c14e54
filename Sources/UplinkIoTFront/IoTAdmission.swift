import Foundation
import UplinkIoTRegistry
import UplinkTLS
import X509

/// A device accepted at the TLS handshake: its certificate record and what policy variables read from it.
public struct IoTDeviceIdentity: Sendable, Equatable {
    public var certificate: IoTCertificate
    public var subject: [String: String]
    public var issuer: [String: String]
    public var serialNumber: String
}

/// The registration event JITR publishes on `$aws/events/certificates/registered/<caCertificateId>`.
///
/// `timestamp` is a JSON number and `certificateRegistrationTimestamp` a JSON string, as AWS documents them; both
/// are milliseconds since the Unix epoch (AWS documents no unit; this is the front's choice).
public struct IoTRegistrationEvent: Sendable, Equatable {
    public var certificateId: String
    public var caCertificateId: String
    /// When the event is published, ms since the epoch.
    public var timestamp: Int64
    public var accountId: String
    /// When the certificate was registered, ms since the epoch.
    public var registrationTimestamp: Int64

    /// The topic: `$aws/events/certificates/registered/<caCertificateId>`.
    public var topic: String { "$aws/events/certificates/registered/\(caCertificateId)" }

    /// The JSON payload with the six fields.
    public var payload: [UInt8] {
        Array(
            ("{\"certificateId\":\"\(certificateId)\",\"caCertificateId\":\"\(caCertificateId)\","
                + "\"timestamp\":\(timestamp),\"certificateStatus\":\"PENDING_ACTIVATION\","
                + "\"awsAccountId\":\"\(accountId)\",\"certificateRegistrationTimestamp\":\"\(registrationTimestamp)\"}")
                .utf8)
    }
}

/// What the front does with a client certificate presented at the handshake.
public enum IoTAdmissionDecision: Sendable, Equatable {
    /// ACTIVE: the handshake completes and MQTT goes on.
    case accept(IoTDeviceIdentity)
    /// PENDING_ACTIVATION (just registered, or still pending): the handshake completes, the registration event (if
    /// any) is published, and the connection is closed before any MQTT.
    case pending(certificateId: String, event: IoTRegistrationEvent?, reason: String)
    /// Refused at the handshake (TLS alert); nothing published, nothing registered. The reason is for the log.
    case refuse(String)
}

/// Decides what happens to a presented client chain (reference §1–2): a pure decision over the registry's state,
/// whose only writes are JITR's registration and JITP's provisioning.
public struct IoTAdmission: Sendable {
    public let registry: any IoTRegistry
    public let account: IoTAccount

    public init(registry: any IoTRegistry, account: IoTAccount) {
        self.registry = registry
        self.account = account
    }

    /// The decision for a chain (leaf first) at `now`.
    public func admit(chain: [Certificate], leafDER: [UInt8], now: Date) async -> IoTAdmissionDecision {
        guard let leaf = chain.first else { return .refuse("no client certificate") }
        let id = IoTAccount.certificateId(der: leafDER)
        guard leaf.notValidBefore <= now, now <= leaf.notValidAfter else {
            return .refuse("certificate \(id) is outside its validity (\(leaf.notValidBefore) – \(leaf.notValidAfter))")
        }
        do {
            if let record = try await registry.certificate(id: id) {
                return try await known(record, leaf: leaf, now: now)
            }
            return try await unknown(chain: chain, leaf: leaf, id: id, now: now)
        } catch {
            return .refuse("registry error: \(error)")
        }
    }

    private func identity(_ record: IoTCertificate, _ leaf: Certificate) -> IoTDeviceIdentity {
        IoTDeviceIdentity(
            certificate: record, subject: IoTCertificateSubject.attributes(leaf.subject),
            issuer: IoTCertificateSubject.attributes(leaf.issuer),
            serialNumber: IoTAccount.hex(leaf.serialNumber.bytes))
    }

    private func known(_ record: IoTCertificate, leaf: Certificate, now: Date) async throws(IoTRegistryError)
        -> IoTAdmissionDecision
    {
        switch record.status {
        case .active:
            return .accept(identity(record, leaf))
        case .pendingActivation:
            guard let caId = record.caCertificateId, let ca = try await registry.caCertificate(id: caId) else {
                return .pending(certificateId: record.certificateId, event: nil, reason: "PENDING_ACTIVATION")
            }
            switch try await IoTJITPTemplateSource.of(ca, in: registry) {
            case .body(let body)?:
                return try await provision(record.certificateId, leaf: leaf, ca: ca, body: body, now: now)
            case .unusable(let why)?:
                return .pending(
                    certificateId: record.certificateId, event: nil,
                    reason: "JITP not possible: \(why); left PENDING_ACTIVATION")
            case nil:
                break
            }
            return .pending(
                certificateId: record.certificateId, event: event(record, now: now),
                reason: "PENDING_ACTIVATION (event published again)")
        default:
            return .refuse("certificate \(record.certificateId) is \(record.status.rawValue)")
        }
    }

    private func unknown(chain: [Certificate], leaf: Certificate, id: String, now: Date) async throws(IoTRegistryError)
        -> IoTAdmissionDecision
    {
        var issuer: IoTCACertificate?
        for ca in try await registry.caCertificates() {
            guard let caCertificate = try? Certificate(pemEncoded: ca.certificatePem),
                caCertificate.subject == leaf.issuer
            else { continue }
            let verifier = TLSChainVerifier(roots: [caCertificate], expectedName: nil, validationTime: now)
            if (try? await verifier.verify(chain)) != nil {
                issuer = ca
                break
            }
        }
        guard let ca = issuer else {
            return .refuse("certificate \(id) (issuer \(leaf.issuer)) chains to no registered CA")
        }
        guard ca.status == .active else {
            return .refuse("CA \(ca.certificateId) is INACTIVE: it registers no new certificate")
        }
        guard ca.autoRegistrationStatus == .enable else {
            return .refuse("CA \(ca.certificateId) has auto-registration DISABLE")
        }
        let pem = PEMText.certificate(leaf)
        let record = IoTCertificate(
            certificateId: id, certificateArn: account.certificateArn(id), certificatePem: pem,
            status: .pendingActivation, caCertificateId: ca.certificateId, creationDate: now, lastModifiedDate: now,
            customerVersion: 1, generationId: UUID().uuidString.lowercased())
        switch try await IoTJITPTemplateSource.of(ca, in: registry) {
        case .body(let body)?:
            return try await provision(id, leaf: leaf, ca: ca, body: body, now: now, pending: record)
        case .unusable(let why)?:
            _ = try await registry.registerCertificate(record)
            return .pending(
                certificateId: id, event: nil, reason: "JITP not possible: \(why); left PENDING_ACTIVATION")
        case nil:
            break
        }
        let stored = try await registry.registerCertificate(record)
        return .pending(certificateId: id, event: event(stored, now: now), reason: "registered PENDING_ACTIVATION")
    }

    /// JITP: evaluates the CA's template (its body, or the named template's); on success the plan is applied and the
    /// certificate accepted; when the certificate lacks a parameter it stays PENDING_ACTIVATION with nothing else
    /// created.
    private func provision(
        _ id: String, leaf: Certificate, ca: IoTCACertificate, body: String, now: Date, pending: IoTCertificate? = nil
    ) async throws(IoTRegistryError) -> IoTAdmissionDecision {
        let subject = IoTCertificateSubject.attributes(leaf.subject)
        let device = IoTProvisioningTemplate.Device(
            certificateId: id, certificatePem: PEMText.certificate(leaf), caCertificateId: ca.certificateId,
            subject: subject)
        let plan: IoTProvisioningPlan
        do {
            plan = try IoTProvisioningTemplate(body: body).plan(for: device, account: account, now: now)
        } catch {
            if let pending { _ = try await registry.registerCertificate(pending) }
            return .pending(certificateId: id, event: nil, reason: "JITP failed: \(error)")
        }
        try await registry.provision(plan)
        guard plan.certificate.status == .active else {
            return .refuse("JITP provisioned certificate \(id) as \(plan.certificate.status.rawValue)")
        }
        return .accept(identity(plan.certificate, leaf))
    }

    private func event(_ record: IoTCertificate, now: Date) -> IoTRegistrationEvent {
        IoTRegistrationEvent(
            certificateId: record.certificateId, caCertificateId: record.caCertificateId ?? "",
            timestamp: Int64(now.timeIntervalSince1970 * 1000), accountId: account.accountId,
            registrationTimestamp: Int64(record.creationDate.timeIntervalSince1970 * 1000))
    }
}

/// A certificate as PEM text.
enum PEMText {
    static func certificate(_ certificate: Certificate) -> String {
        (try? certificate.serializeAsPEM().pemString) ?? ""
    }
}
