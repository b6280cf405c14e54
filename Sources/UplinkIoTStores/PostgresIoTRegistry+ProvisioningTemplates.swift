import Foundation
import Logging
import PostgresNIO
import UplinkIoTRegistry

/// The named provisioning templates in the `provisioning_templates` table (schema version 2).
extension PostgresIoTRegistry {
    public func provisioningTemplate(name: String) async throws(IoTRegistryError) -> IoTProvisioningTemplateRecord? {
        try await read { connection, logger in
            try await Self.rows(
                "SELECT \(unescaped: IoTRegistryRows.templateColumns) FROM provisioning_templates WHERE name = \(name)",
                connection, logger
            ).first.map(IoTRegistryRows.template)
        }
    }

    public func createProvisioningTemplate(_ template: IoTProvisioningTemplateRecord) async throws(IoTRegistryError) {
        let enabled = template.enabled ? 1 : 0
        try await write { connection, logger in
            if try await Self.exists(
                "SELECT 1 FROM provisioning_templates WHERE name = \(template.templateName)", connection, logger)
            {
                throw IoTRegistryError.alreadyExists(
                    resourceId: template.templateName, resourceArn: template.templateArn)
            }
            try await connection.query(
                """
                INSERT INTO provisioning_templates (name, arn, body, role_arn, type, enabled, description, created,
                modified, default_version_id) VALUES (\(template.templateName), \(template.templateArn),
                \(template.templateBody), \(template.provisioningRoleArn), \(template.type.rawValue), \(enabled),
                \(template.description), \(template.creationDate.timeIntervalSince1970),
                \(template.lastModifiedDate.timeIntervalSince1970), \(template.defaultVersionId))
                """, logger: logger)
        }
    }

    public func updateProvisioningTemplate(name: String, _ update: IoTProvisioningTemplateUpdate, at date: Date)
        async throws(IoTRegistryError)
    {
        try await write { connection, logger in
            guard
                let row = try await Self.rows(
                    "SELECT \(unescaped: IoTRegistryRows.templateColumns) FROM provisioning_templates WHERE name = \(name)",
                    connection, logger
                ).first
            else { throw IoTRegistryGuards.templateNotFound(name) }
            let template = update.applied(to: try IoTRegistryRows.template(row), at: date)
            let enabled = template.enabled ? 1 : 0
            try await connection.query(
                """
                UPDATE provisioning_templates SET role_arn = \(template.provisioningRoleArn), enabled = \(enabled),
                description = \(template.description), modified = \(template.lastModifiedDate.timeIntervalSince1970)
                WHERE name = \(name)
                """, logger: logger)
        }
    }

    public func deleteProvisioningTemplate(name: String) async throws(IoTRegistryError) {
        try await write { connection, logger in
            guard try await Self.exists("SELECT 1 FROM provisioning_templates WHERE name = \(name)", connection, logger)
            else { throw IoTRegistryGuards.templateNotFound(name) }
            let configs = try await Self.rows(
                "SELECT registration_config FROM ca_certificates WHERE registration_config IS NOT NULL", connection,
                logger
            ).map { try $0["registration_config"].decode(String?.self) }
            try IoTRegistryGuards.checkTemplateDeletable(name, registrationConfigs: configs)
            try await connection.query("DELETE FROM provisioning_templates WHERE name = \(name)", logger: logger)
        }
    }

    public func listProvisioningTemplates(_ paging: IoTPaging) async throws(IoTRegistryError)
        -> IoTPage<IoTProvisioningTemplateRecord>
    {
        try await page(of: "provisioning_templates", columns: IoTRegistryRows.templateColumns, paging) {
            try IoTRegistryRows.template($0)
        }
    }
}
