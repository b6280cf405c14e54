import Foundation
import GRDB
import UplinkIoTRegistry

/// The named provisioning templates in the `provisioning_templates` table (schema version 2).
extension SQLiteIoTRegistry {
    public func provisioningTemplate(name: String) async throws(IoTRegistryError) -> IoTProvisioningTemplateRecord? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(IoTRegistryRows.templateColumns) FROM provisioning_templates WHERE name = ?",
                arguments: [name]
            ).map(IoTRegistryRows.template)
        }
    }

    public func createProvisioningTemplate(_ template: IoTProvisioningTemplateRecord) async throws(IoTRegistryError) {
        try await write { db in
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM provisioning_templates WHERE name = ?", arguments: [template.templateName])
                != nil
            {
                throw IoTRegistryError.alreadyExists(
                    resourceId: template.templateName, resourceArn: template.templateArn)
            }
            try db.execute(
                sql: """
                    INSERT INTO provisioning_templates (name, arn, body, role_arn, type, enabled, description, created,
                    modified, default_version_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    template.templateName, template.templateArn, template.templateBody, template.provisioningRoleArn,
                    template.type.rawValue, template.enabled ? 1 : 0, template.description,
                    template.creationDate.timeIntervalSince1970, template.lastModifiedDate.timeIntervalSince1970,
                    template.defaultVersionId,
                ])
        }
    }

    public func updateProvisioningTemplate(name: String, _ update: IoTProvisioningTemplateUpdate, at date: Date)
        async throws(IoTRegistryError)
    {
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(IoTRegistryRows.templateColumns) FROM provisioning_templates WHERE name = ?",
                    arguments: [name])
            else { throw IoTRegistryGuards.templateNotFound(name) }
            let template = update.applied(to: try IoTRegistryRows.template(row), at: date)
            try db.execute(
                sql: """
                    UPDATE provisioning_templates SET role_arn = ?, enabled = ?, description = ?, modified = ?
                    WHERE name = ?
                    """,
                arguments: [
                    template.provisioningRoleArn, template.enabled ? 1 : 0, template.description,
                    template.lastModifiedDate.timeIntervalSince1970, name,
                ])
        }
    }

    public func deleteProvisioningTemplate(name: String) async throws(IoTRegistryError) {
        try await write { db in
            guard
                try Bool.fetchOne(db, sql: "SELECT 1 FROM provisioning_templates WHERE name = ?", arguments: [name])
                    != nil
            else { throw IoTRegistryGuards.templateNotFound(name) }
            let configs: [String?] = try String.fetchAll(
                db, sql: "SELECT registration_config FROM ca_certificates WHERE registration_config IS NOT NULL")
            try IoTRegistryGuards.checkTemplateDeletable(name, registrationConfigs: configs)
            try db.execute(sql: "DELETE FROM provisioning_templates WHERE name = ?", arguments: [name])
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
