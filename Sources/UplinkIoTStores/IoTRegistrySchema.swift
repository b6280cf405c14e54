/// The registry's tables, in SQL both SQLite and PostgreSQL accept (the auto-increment column differs).
///
/// Dates are seconds since 1970 (double precision); `seq` orders lists and is the paging marker.
enum IoTRegistrySchema {
    static func version1(autoIncrement: String) -> [String] {
        [
            "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """
            CREATE TABLE ca_certificates (seq \(autoIncrement), id TEXT NOT NULL UNIQUE, arn TEXT NOT NULL,
            pem TEXT NOT NULL, status TEXT NOT NULL, auto_registration TEXT NOT NULL, registration_config TEXT,
            created DOUBLE PRECISION NOT NULL, modified DOUBLE PRECISION NOT NULL, customer_version INTEGER NOT NULL,
            generation_id TEXT NOT NULL)
            """,
            """
            CREATE TABLE certificates (seq \(autoIncrement), id TEXT NOT NULL UNIQUE, arn TEXT NOT NULL UNIQUE,
            pem TEXT NOT NULL, status TEXT NOT NULL, ca_id TEXT, created DOUBLE PRECISION NOT NULL,
            modified DOUBLE PRECISION NOT NULL, customer_version INTEGER NOT NULL, generation_id TEXT NOT NULL)
            """,
            "CREATE INDEX certificates_by_ca ON certificates (ca_id, seq)",
            """
            CREATE TABLE policies (name TEXT PRIMARY KEY, arn TEXT NOT NULL, default_version_id TEXT NOT NULL,
            created DOUBLE PRECISION NOT NULL, modified DOUBLE PRECISION NOT NULL, generation_id TEXT NOT NULL)
            """,
            """
            CREATE TABLE policy_versions (policy_name TEXT NOT NULL REFERENCES policies (name) ON DELETE CASCADE,
            version_id TEXT NOT NULL, document TEXT NOT NULL, created DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (policy_name, version_id))
            """,
            """
            CREATE TABLE policy_targets (seq \(autoIncrement),
            policy_name TEXT NOT NULL REFERENCES policies (name) ON DELETE CASCADE, target TEXT NOT NULL,
            UNIQUE (policy_name, target))
            """,
            "CREATE INDEX policy_targets_by_target ON policy_targets (target)",
            """
            CREATE TABLE things (seq \(autoIncrement), name TEXT NOT NULL UNIQUE, arn TEXT NOT NULL, id TEXT NOT NULL,
            type_name TEXT, attributes TEXT NOT NULL, version INTEGER NOT NULL)
            """,
            """
            CREATE TABLE thing_principals (seq \(autoIncrement),
            thing_name TEXT NOT NULL REFERENCES things (name) ON DELETE CASCADE, principal TEXT NOT NULL,
            UNIQUE (thing_name, principal))
            """,
            "CREATE INDEX thing_principals_by_principal ON thing_principals (principal)",
        ]
    }

    /// Version 2 adds the named provisioning templates (JITP by `registrationConfig.templateName`). `enabled` is 0 or
    /// 1; `default_version_id` is always 1 (one version per template).
    static func version2(autoIncrement: String) -> [String] {
        [
            """
            CREATE TABLE provisioning_templates (seq \(autoIncrement), name TEXT NOT NULL UNIQUE, arn TEXT NOT NULL,
            body TEXT NOT NULL, role_arn TEXT NOT NULL, type TEXT NOT NULL, enabled INTEGER NOT NULL, description TEXT,
            created DOUBLE PRECISION NOT NULL, modified DOUBLE PRECISION NOT NULL, default_version_id INTEGER NOT NULL)
            """
        ]
    }
}
