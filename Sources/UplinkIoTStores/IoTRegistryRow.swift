import Foundation
import UplinkIoTRegistry

/// A row of the registry's tables, read by column name: GRDB's `Row` (SQLite) and PostgresNIO's
/// `PostgresRandomAccessRow` both are one, so each record is decoded by one function for both stores.
protocol IoTRegistryRow {
    func string(_ column: String) throws -> String
    func optionalString(_ column: String) throws -> String?
    func int(_ column: String) throws -> Int
    func double(_ column: String) throws -> Double
}

/// The columns each record is read from (the same in both stores' schema, ``IoTRegistrySchema``) and the record read
/// from a row of them.
enum IoTRegistryRows {
    static let caColumns =
        "seq, id, arn, pem, status, auto_registration, registration_config, created, modified, customer_version, generation_id"
    static let certificateColumns =
        "seq, id, arn, pem, status, ca_id, created, modified, customer_version, generation_id"
    static let thingColumns = "name, arn, id, type_name, attributes, version"
    static let templateColumns =
        "seq, name, arn, body, role_arn, type, enabled, description, created, modified, default_version_id"
    /// A policy with its default version's document.
    static let policySelect = """
        SELECT p.name, p.arn, v.document, p.default_version_id, p.created, p.modified, p.generation_id
        FROM policies p JOIN policy_versions v ON v.policy_name = p.name AND v.version_id = p.default_version_id
        """

    static func ca(_ row: some IoTRegistryRow) throws -> IoTCACertificate {
        IoTCACertificate(
            certificateId: try row.string("id"), certificateArn: try row.string("arn"),
            certificatePem: try row.string("pem"),
            status: try IoTRegistryGuards.enumValue(IoTCACertificateStatus.self, try row.string("status")),
            autoRegistrationStatus: try IoTRegistryGuards.enumValue(
                IoTAutoRegistrationStatus.self, try row.string("auto_registration")),
            registrationConfig: try IoTRegistryGuards.decodeConfig(try row.optionalString("registration_config")),
            creationDate: Date(timeIntervalSince1970: try row.double("created")),
            lastModifiedDate: Date(timeIntervalSince1970: try row.double("modified")),
            customerVersion: try row.int("customer_version"),
            generationId: try row.string("generation_id"))
    }

    static func certificate(_ row: some IoTRegistryRow) throws -> IoTCertificate {
        IoTCertificate(
            certificateId: try row.string("id"), certificateArn: try row.string("arn"),
            certificatePem: try row.string("pem"),
            status: try IoTRegistryGuards.enumValue(IoTCertificateStatus.self, try row.string("status")),
            caCertificateId: try row.optionalString("ca_id"),
            creationDate: Date(timeIntervalSince1970: try row.double("created")),
            lastModifiedDate: Date(timeIntervalSince1970: try row.double("modified")),
            customerVersion: try row.int("customer_version"),
            generationId: try row.string("generation_id"))
    }

    static func thing(_ row: some IoTRegistryRow) throws -> IoTThing {
        IoTThing(
            thingName: try row.string("name"), thingArn: try row.string("arn"),
            thingId: try row.string("id"), thingTypeName: try row.optionalString("type_name"),
            attributes: try IoTRegistryGuards.decodeAttributes(try row.string("attributes")),
            version: try row.int("version"))
    }

    static func policy(_ row: some IoTRegistryRow) throws -> IoTPolicy {
        IoTPolicy(
            policyName: try row.string("name"), policyArn: try row.string("arn"),
            policyDocument: try row.string("document"),
            defaultVersionId: try row.string("default_version_id"),
            creationDate: Date(timeIntervalSince1970: try row.double("created")),
            lastModifiedDate: Date(timeIntervalSince1970: try row.double("modified")),
            generationId: try row.string("generation_id"))
    }

    static func template(_ row: some IoTRegistryRow) throws -> IoTProvisioningTemplateRecord {
        IoTProvisioningTemplateRecord(
            templateName: try row.string("name"), templateArn: try row.string("arn"),
            templateBody: try row.string("body"), provisioningRoleArn: try row.string("role_arn"),
            type: try IoTRegistryGuards.enumValue(IoTProvisioningTemplateType.self, try row.string("type")),
            enabled: try row.int("enabled") != 0,
            description: try row.optionalString("description"),
            creationDate: Date(timeIntervalSince1970: try row.double("created")),
            lastModifiedDate: Date(timeIntervalSince1970: try row.double("modified")),
            defaultVersionId: try row.int("default_version_id"))
    }
}
