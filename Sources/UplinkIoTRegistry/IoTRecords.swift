import Foundation

/// A device certificate's status, spelled as AWS IoT spells it.
public enum IoTCertificateStatus: String, Sendable, Codable, CaseIterable {
    case active = "ACTIVE"
    case inactive = "INACTIVE"
    case revoked = "REVOKED"
    case pendingTransfer = "PENDING_TRANSFER"
    case registerInactive = "REGISTER_INACTIVE"
    case pendingActivation = "PENDING_ACTIVATION"
}

/// A CA certificate's status.
public enum IoTCACertificateStatus: String, Sendable, Codable, CaseIterable {
    case active = "ACTIVE"
    case inactive = "INACTIVE"
}

/// Whether a CA registers unknown device certificates it signed (JITR).
public enum IoTAutoRegistrationStatus: String, Sendable, Codable, CaseIterable {
    case enable = "ENABLE"
    case disable = "DISABLE"
}

/// A CA's just-in-time provisioning configuration (AWS `registrationConfig`).
public struct IoTRegistrationConfig: Sendable, Equatable, Codable {
    public var templateBody: String?
    public var roleArn: String?
    public var templateName: String?

    public init(templateBody: String? = nil, roleArn: String? = nil, templateName: String? = nil) {
        self.templateBody = templateBody
        self.roleArn = roleArn
        self.templateName = templateName
    }
}

/// A registered CA certificate. `certificateId` is the lowercase hex SHA-256 of the DER.
public struct IoTCACertificate: Sendable, Equatable {
    public var certificateId: String
    public var certificateArn: String
    public var certificatePem: String
    public var status: IoTCACertificateStatus
    public var autoRegistrationStatus: IoTAutoRegistrationStatus
    public var registrationConfig: IoTRegistrationConfig?
    public var creationDate: Date
    public var lastModifiedDate: Date
    public var customerVersion: Int
    public var generationId: String

    public init(
        certificateId: String, certificateArn: String, certificatePem: String,
        status: IoTCACertificateStatus, autoRegistrationStatus: IoTAutoRegistrationStatus,
        registrationConfig: IoTRegistrationConfig?, creationDate: Date, lastModifiedDate: Date,
        customerVersion: Int, generationId: String
    ) {
        self.certificateId = certificateId
        self.certificateArn = certificateArn
        self.certificatePem = certificatePem
        self.status = status
        self.autoRegistrationStatus = autoRegistrationStatus
        self.registrationConfig = registrationConfig
        self.creationDate = creationDate
        self.lastModifiedDate = lastModifiedDate
        self.customerVersion = customerVersion
        self.generationId = generationId
    }
}

/// A registered device certificate. `certificateId` is the lowercase hex SHA-256 of the DER.
public struct IoTCertificate: Sendable, Equatable {
    public var certificateId: String
    public var certificateArn: String
    public var certificatePem: String
    public var status: IoTCertificateStatus
    /// The registered CA that signed it, when there is one.
    public var caCertificateId: String?
    public var creationDate: Date
    public var lastModifiedDate: Date
    public var customerVersion: Int
    public var generationId: String

    public init(
        certificateId: String, certificateArn: String, certificatePem: String,
        status: IoTCertificateStatus, caCertificateId: String?, creationDate: Date,
        lastModifiedDate: Date, customerVersion: Int, generationId: String
    ) {
        self.certificateId = certificateId
        self.certificateArn = certificateArn
        self.certificatePem = certificatePem
        self.status = status
        self.caCertificateId = caCertificateId
        self.creationDate = creationDate
        self.lastModifiedDate = lastModifiedDate
        self.customerVersion = customerVersion
        self.generationId = generationId
    }
}

/// A policy with its default version's document (JSON text).
public struct IoTPolicy: Sendable, Equatable {
    public var policyName: String
    public var policyArn: String
    public var policyDocument: String
    public var defaultVersionId: String
    public var creationDate: Date
    public var lastModifiedDate: Date
    public var generationId: String

    public init(
        policyName: String, policyArn: String, policyDocument: String, defaultVersionId: String,
        creationDate: Date, lastModifiedDate: Date, generationId: String
    ) {
        self.policyName = policyName
        self.policyArn = policyArn
        self.policyDocument = policyDocument
        self.defaultVersionId = defaultVersionId
        self.creationDate = creationDate
        self.lastModifiedDate = lastModifiedDate
        self.generationId = generationId
    }
}

/// A thing.
public struct IoTThing: Sendable, Equatable {
    public var thingName: String
    public var thingArn: String
    public var thingId: String
    public var thingTypeName: String?
    public var attributes: [String: String]
    public var version: Int

    public init(
        thingName: String, thingArn: String, thingId: String, thingTypeName: String?,
        attributes: [String: String], version: Int
    ) {
        self.thingName = thingName
        self.thingArn = thingArn
        self.thingId = thingId
        self.thingTypeName = thingTypeName
        self.attributes = attributes
        self.version = version
    }
}

/// What a JITP template evaluated to: applied by the registry in one transaction.
public struct IoTProvisioningPlan: Sendable, Equatable {
    /// The device certificate, usually `ACTIVE`.
    public var certificate: IoTCertificate
    /// Things to create when absent (an existing thing of that name is kept).
    public var things: [IoTThing]
    /// Policies to create when absent (name, document).
    public var policies: [IoTPolicy]
    /// (policy name, target ARN) pairs to attach.
    public var policyAttachments: [PolicyAttachment]
    /// (thing name, principal ARN) pairs to attach.
    public var thingPrincipals: [ThingPrincipal]

    public struct PolicyAttachment: Sendable, Equatable {
        public var policyName: String
        public var target: String
        public init(policyName: String, target: String) {
            self.policyName = policyName
            self.target = target
        }
    }

    public struct ThingPrincipal: Sendable, Equatable {
        public var thingName: String
        public var principal: String
        public init(thingName: String, principal: String) {
            self.thingName = thingName
            self.principal = principal
        }
    }

    public init(
        certificate: IoTCertificate, things: [IoTThing], policies: [IoTPolicy],
        policyAttachments: [PolicyAttachment], thingPrincipals: [ThingPrincipal]
    ) {
        self.certificate = certificate
        self.things = things
        self.policies = policies
        self.policyAttachments = policyAttachments
        self.thingPrincipals = thingPrincipals
    }
}
