import Foundation
import Logging
import PostgresNIO
import UplinkIoTRegistry

/// The registry in a shared PostgreSQL database (postgres-nio): several fronts and control planes may use one.
///
/// Same tables and semantics as ``SQLiteIoTRegistry``. Every write is one transaction that first takes one
/// transaction-scoped advisory lock, so writes are serialized as SQLite's are (a check-then-insert by one
/// front cannot interleave with another's); reads run at READ COMMITTED and see every committed write. The tables
/// are created, under the same lock, when missing. Call ``close()`` when done (the connection pool runs a task).
public final class PostgresIoTRegistry: IoTControlRegistry {
    /// The advisory lock key every write transaction holds ("UPLK").
    static let writeLock: Int64 = 0x5550_4C4B
    /// The schema version this code writes and reads (2: provisioning templates); a version-1 database is upgraded.
    static let schemaVersion = 2

    /// Where the database is (its description has no password).
    public let location: PostgresRegistryLocation
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger

    /// Connects to the database at `location` and creates the registry's tables when missing; fails (with the
    /// server's message, never the password) when the database cannot be reached within `connectTimeout`.
    public init(location: PostgresRegistryLocation, connectTimeout: Duration = .seconds(30))
        async throws(IoTRegistryError)
    {
        var logger = Logger(label: "uplink.iot.registry.postgres")
        logger.logLevel = .warning
        // One connection first: a wrong password or an unreachable server is a clear error here, and the tables
        // are made (or found) before any front uses them.
        var single = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: try location.tls.connectionTLS())
        let milliseconds =
            connectTimeout.components.seconds * 1000 + connectTimeout.components.attoseconds / 1_000_000_000_000_000
        single.options.connectTimeout = .milliseconds(milliseconds)
        do {
            let connection = try await PostgresConnection.connect(configuration: single, id: 1, logger: logger)
            do {
                try await Self.transaction(connection, logger) { connection, logger in
                    try await Self.createTablesIfMissing(connection, logger)
                }
                try? await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw .storage("cannot open the registry \(location): \(Self.registryError(error).message)")
        }
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: try location.tls.clientTLS())
        configuration.options.connectTimeout = connectTimeout
        configuration.options.maximumConnections = 8
        // The pool warns when a lease comes before its run task started (harmless: the lease waits).
        var poolLogger = logger
        poolLogger.logLevel = .error
        let client = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        self.location = location
        self.client = client
        self.logger = logger
        self.runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// Closes the connections.
    public func close() async {
        runner.cancel()
        await runner.value
    }

    private static func createTablesIfMissing(_ connection: PostgresConnection, _ logger: Logger) async throws {
        let found = try await rows("SELECT to_regclass('uplink_schema') IS NOT NULL AS present", connection, logger)
        if try found.first?["present"].decode(Bool.self) == true {
            let versions = try await rows("SELECT version FROM uplink_schema", connection, logger)
            let version = try versions.first?["version"].decode(Int.self)
            if version == 1 {
                // Version 1 → 2: the provisioning templates' table (under the same lock, in the same transaction).
                for statement in IoTRegistrySchema.version2(autoIncrement: "BIGSERIAL PRIMARY KEY") {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("UPDATE uplink_schema SET version = \(schemaVersion)", logger: logger)
                return
            }
            guard version == schemaVersion else {
                throw IoTRegistryError.storage(
                    "the database's registry schema is version \(version.map(String.init) ?? "none"), this uplink reads \(schemaVersion)"
                )
            }
            return
        }
        try await connection.query("CREATE TABLE uplink_schema (version INTEGER NOT NULL)", logger: logger)
        try await connection.query("INSERT INTO uplink_schema (version) VALUES (\(schemaVersion))", logger: logger)
        for statement in IoTRegistrySchema.version1(autoIncrement: "BIGSERIAL PRIMARY KEY")
            + IoTRegistrySchema.version2(autoIncrement: "BIGSERIAL PRIMARY KEY")
        {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }

    // MARK: Transactions

    func write<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws(IoTRegistryError) -> T {
        let logger = logger
        do {
            return try await client.withConnection { connection in
                try await Self.transaction(connection, logger, body)
            }
        } catch { throw Self.registryError(error) }
    }

    /// `body` in one transaction that holds the write lock: committed when it returns, rolled back when it throws.
    private static func transaction<T: Sendable>(
        _ connection: PostgresConnection, _ logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(writeLock))", logger: logger)
            return try await body(connection, logger)
        }
    }

    func read<T: Sendable>(
        _ body: (PostgresConnection, Logger) async throws -> T
    ) async throws(IoTRegistryError) -> T {
        let logger = logger
        do {
            return try await client.withConnection { connection in try await body(connection, logger) }
        } catch { throw Self.registryError(error) }
    }

    /// The error a registry caller sees: ours as is, PostgreSQL's with the server's message and SQLSTATE.
    static func registryError(_ error: any Error) -> IoTRegistryError {
        if let error = error as? IoTRegistryError { return error }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError {
                return registryError(inner)
            }
            return .storage("PostgreSQL transaction failed")
        }
        if let error = error as? PSQLError {
            if let info = error.serverInfo {
                let message = info[.message] ?? "error"
                return .storage("PostgreSQL: \(message) (SQLSTATE \(info[.sqlState] ?? "?"))")
            }
            if let underlying = error.underlying { return .storage("PostgreSQL: \(error.code): \(underlying)") }
            return .storage("PostgreSQL: \(error.code)")
        }
        return .storage("\(error)")
    }

    static func rows(_ query: PostgresQuery, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> [PostgresRandomAccessRow]
    {
        var rows = [PostgresRandomAccessRow]()
        for try await row in try await connection.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
        return rows
    }

    static func exists(_ query: PostgresQuery, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> Bool
    {
        try await !rows(query, connection, logger).isEmpty
    }

    private static func count(_ query: PostgresQuery, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> Int
    {
        try await rows(query, connection, logger).first?[0].decode(Int.self) ?? 0
    }

    // MARK: Rows

    /// One page of `table`'s rows (`columns`, `seq` among them) in `seq` order from `paging`'s marker, each read by
    /// `item`.
    func page<Item: Sendable>(
        of table: String, columns: String, _ paging: IoTPaging, item: (PostgresRandomAccessRow) throws -> Item
    ) async throws(IoTRegistryError) -> IoTPage<Item> {
        try IoTRegistryGuards.checkPageSize(paging)
        let after = try paging.markerSequence()
        let (condition, order) = Self.pageClause(paging, after: after)
        return try await read { connection, logger in
            let rows = try await Self.rows(
                """
                SELECT \(unescaped: columns) FROM \(unescaped: table) WHERE \(unescaped: condition) \(after ?? 0)
                ORDER BY seq \(unescaped: order) LIMIT \(paging.pageSize + 1)
                """, connection, logger)
            return IoTRegistryGuards.page(
                try rows.map { (sequence: try $0["seq"].decode(Int64.self), item: try item($0)) },
                pageSize: paging.pageSize)
        }
    }

    // MARK: Writes used inside transactions

    private static func insertCertificate(_ c: IoTCertificate, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        try await connection.query(
            """
            INSERT INTO certificates (id, arn, pem, status, ca_id, created, modified, customer_version, generation_id)
            VALUES (\(c.certificateId), \(c.certificateArn), \(c.certificatePem), \(c.status.rawValue),
            \(c.caCertificateId), \(c.creationDate.timeIntervalSince1970), \(c.lastModifiedDate.timeIntervalSince1970),
            \(c.customerVersion), \(c.generationId))
            """, logger: logger)
    }

    private static func insertPolicy(_ p: IoTPolicy, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        try await connection.query(
            """
            INSERT INTO policies (name, arn, default_version_id, created, modified, generation_id)
            VALUES (\(p.policyName), \(p.policyArn), \(p.defaultVersionId), \(p.creationDate.timeIntervalSince1970),
            \(p.lastModifiedDate.timeIntervalSince1970), \(p.generationId))
            """, logger: logger)
        try await connection.query(
            """
            INSERT INTO policy_versions (policy_name, version_id, document, created)
            VALUES (\(p.policyName), \(p.defaultVersionId), \(p.policyDocument), \(p.creationDate.timeIntervalSince1970))
            """, logger: logger)
    }

    private static func insertThing(_ t: IoTThing, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO things (name, arn, id, type_name, attributes, version)
            VALUES (\(t.thingName), \(t.thingArn), \(t.thingId), \(t.thingTypeName),
            \(IoTRegistryGuards.encode(t.attributes)), \(t.version))
            """, logger: logger)
    }

    private static func attachPolicy(
        _ name: String, _ target: String, _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        guard try await exists("SELECT 1 FROM policies WHERE name = \(name)", connection, logger) else {
            throw IoTRegistryError.notFound("Policy \(name) does not exist.")
        }
        try await connection.query(
            "INSERT INTO policy_targets (policy_name, target) VALUES (\(name), \(target)) ON CONFLICT DO NOTHING",
            logger: logger)
    }

    private static func attachPrincipal(
        _ thingName: String, _ principal: String, _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        guard try await exists("SELECT 1 FROM things WHERE name = \(thingName)", connection, logger) else {
            throw IoTRegistryError.notFound("Thing \(thingName) does not exist.")
        }
        try await connection.query(
            """
            INSERT INTO thing_principals (thing_name, principal) VALUES (\(thingName), \(principal))
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    // MARK: IoTRegistry

    public func caCertificate(id: String) async throws(IoTRegistryError) -> IoTCACertificate? {
        try await read { connection, logger in
            try await Self.rows(
                "SELECT \(unescaped: IoTRegistryRows.caColumns) FROM ca_certificates WHERE id = \(id)", connection,
                logger
            ).first.map(IoTRegistryRows.ca)
        }
    }

    public func caCertificates() async throws(IoTRegistryError) -> [IoTCACertificate] {
        try await read { connection, logger in
            try await Self.rows(
                "SELECT \(unescaped: IoTRegistryRows.caColumns) FROM ca_certificates ORDER BY seq", connection, logger
            ).map(IoTRegistryRows.ca)
        }
    }

    public func certificate(id: String) async throws(IoTRegistryError) -> IoTCertificate? {
        try await read { connection, logger in
            try await Self.rows(
                "SELECT \(unescaped: IoTRegistryRows.certificateColumns) FROM certificates WHERE id = \(id)",
                connection, logger
            ).first.map(IoTRegistryRows.certificate)
        }
    }

    public func registerCertificate(_ certificate: IoTCertificate) async throws(IoTRegistryError) -> IoTCertificate {
        try await write { connection, logger in
            if let existing = try await Self.rows(
                "SELECT \(unescaped: IoTRegistryRows.certificateColumns) FROM certificates WHERE id = \(certificate.certificateId)",
                connection, logger
            ).first {
                return try IoTRegistryRows.certificate(existing)
            }
            try await Self.insertCertificate(certificate, connection, logger)
            return certificate
        }
    }

    public func updateCertificateStatus(id: String, to status: IoTCertificateStatus) async throws(IoTRegistryError) {
        let now = Date().timeIntervalSince1970
        let generation = UUID().uuidString.lowercased()
        try await write { connection, logger in
            let updated = try await Self.rows(
                """
                UPDATE certificates SET status = \(status.rawValue), modified = \(now),
                customer_version = customer_version + 1, generation_id = \(generation) WHERE id = \(id) RETURNING id
                """, connection, logger)
            guard updated.count == 1 else { throw IoTRegistryError.notFound("Certificate \(id) does not exist.") }
        }
    }

    public func createPolicy(_ policy: IoTPolicy) async throws(IoTRegistryError) {
        try await write { connection, logger in
            if try await Self.exists("SELECT 1 FROM policies WHERE name = \(policy.policyName)", connection, logger) {
                throw IoTRegistryError.alreadyExists(resourceId: policy.policyName, resourceArn: policy.policyArn)
            }
            try await Self.insertPolicy(policy, connection, logger)
        }
    }

    public func policy(name: String) async throws(IoTRegistryError) -> IoTPolicy? {
        try await read { connection, logger in
            try await Self.rows("\(unescaped: IoTRegistryRows.policySelect) WHERE p.name = \(name)", connection, logger)
                .first.map(IoTRegistryRows.policy)
        }
    }

    public func attachPolicy(name: String, target: String) async throws(IoTRegistryError) {
        try await write { connection, logger in try await Self.attachPolicy(name, target, connection, logger) }
    }

    public func attachedPolicies(target: String) async throws(IoTRegistryError) -> [IoTPolicy] {
        try await read { connection, logger in
            try await Self.rows(
                """
                \(unescaped: IoTRegistryRows.policySelect) JOIN policy_targets t ON t.policy_name = p.name
                WHERE t.target = \(target) ORDER BY t.seq
                """, connection, logger
            ).map(IoTRegistryRows.policy)
        }
    }

    public func createThing(_ thing: IoTThing) async throws(IoTRegistryError) {
        try await write { connection, logger in
            if try await Self.exists("SELECT 1 FROM things WHERE name = \(thing.thingName)", connection, logger) {
                throw IoTRegistryError.alreadyExists(resourceId: thing.thingId, resourceArn: thing.thingArn)
            }
            try await Self.insertThing(thing, connection, logger)
        }
    }

    public func thing(name: String) async throws(IoTRegistryError) -> IoTThing? {
        try await read { connection, logger in
            try await Self.rows(
                "SELECT \(unescaped: IoTRegistryRows.thingColumns) FROM things WHERE name = \(name)", connection, logger
            ).first.map(IoTRegistryRows.thing)
        }
    }

    public func attachThingPrincipal(thingName: String, principal: String) async throws(IoTRegistryError) {
        try await write { connection, logger in
            try await Self.attachPrincipal(thingName, principal, connection, logger)
        }
    }

    public func thingNames(principal: String) async throws(IoTRegistryError) -> [String] {
        try await read { connection, logger in
            try await Self.rows(
                "SELECT thing_name FROM thing_principals WHERE principal = \(principal) ORDER BY seq", connection,
                logger
            ).map { try $0["thing_name"].decode(String.self) }
        }
    }

    public func provision(_ plan: IoTProvisioningPlan) async throws(IoTRegistryError) {
        try await write { connection, logger in
            let certificate = plan.certificate
            let id = certificate.certificateId
            if try await Self.exists("SELECT 1 FROM certificates WHERE id = \(id)", connection, logger) {
                try await connection.query(
                    """
                    UPDATE certificates SET status = \(certificate.status.rawValue),
                    modified = \(certificate.lastModifiedDate.timeIntervalSince1970),
                    customer_version = customer_version + 1 WHERE id = \(id)
                    """, logger: logger)
            } else {
                try await Self.insertCertificate(certificate, connection, logger)
            }
            for thing in plan.things
            where try await !Self.exists("SELECT 1 FROM things WHERE name = \(thing.thingName)", connection, logger) {
                try await Self.insertThing(thing, connection, logger)
            }
            for policy in plan.policies
            where try await !Self.exists(
                "SELECT 1 FROM policies WHERE name = \(policy.policyName)", connection, logger)
            {
                try await Self.insertPolicy(policy, connection, logger)
            }
            for attachment in plan.policyAttachments {
                try await Self.attachPolicy(attachment.policyName, attachment.target, connection, logger)
            }
            for principal in plan.thingPrincipals {
                try await Self.attachPrincipal(principal.thingName, principal.principal, connection, logger)
            }
        }
    }

    // MARK: IoTControlRegistry

    public func createCACertificate(_ ca: IoTCACertificate) async throws(IoTRegistryError) {
        try await write { connection, logger in
            if try await Self.exists("SELECT 1 FROM ca_certificates WHERE id = \(ca.certificateId)", connection, logger)
            {
                throw IoTRegistryError.alreadyExists(resourceId: ca.certificateId, resourceArn: ca.certificateArn)
            }
            try await connection.query(
                """
                INSERT INTO ca_certificates (id, arn, pem, status, auto_registration, registration_config, created,
                modified, customer_version, generation_id) VALUES (\(ca.certificateId), \(ca.certificateArn),
                \(ca.certificatePem), \(ca.status.rawValue), \(ca.autoRegistrationStatus.rawValue),
                \(IoTRegistryGuards.encode(ca.registrationConfig)), \(ca.creationDate.timeIntervalSince1970),
                \(ca.lastModifiedDate.timeIntervalSince1970), \(ca.customerVersion), \(ca.generationId))
                """, logger: logger)
        }
    }

    public func updateCACertificate(id: String, _ update: IoTCACertificateUpdate, at date: Date)
        async throws(IoTRegistryError)
    {
        try await write { connection, logger in
            guard
                let row = try await Self.rows(
                    "SELECT \(unescaped: IoTRegistryRows.caColumns) FROM ca_certificates WHERE id = \(id)", connection,
                    logger
                ).first
            else { throw IoTRegistryError.notFound("CA certificate \(id) does not exist.") }
            let ca = IoTRegistryGuards.applying(update, to: try IoTRegistryRows.ca(row), at: date)
            try await connection.query(
                """
                UPDATE ca_certificates SET status = \(ca.status.rawValue),
                auto_registration = \(ca.autoRegistrationStatus.rawValue),
                registration_config = \(IoTRegistryGuards.encode(ca.registrationConfig)),
                modified = \(ca.lastModifiedDate.timeIntervalSince1970), customer_version = \(ca.customerVersion),
                generation_id = \(ca.generationId) WHERE id = \(id)
                """, logger: logger)
        }
    }

    public func deleteCACertificate(id: String) async throws(IoTRegistryError) {
        try await write { connection, logger in
            guard
                let row = try await Self.rows(
                    "SELECT status FROM ca_certificates WHERE id = \(id)", connection, logger
                ).first
            else { throw IoTRegistryError.notFound("CA certificate \(id) does not exist.") }
            try IoTRegistryGuards.checkCADeletable(
                try IoTRegistryGuards.enumValue(IoTCACertificateStatus.self, try row["status"].decode(String.self)),
                id: id)
            try await connection.query("DELETE FROM ca_certificates WHERE id = \(id)", logger: logger)
        }
    }

    public func listCACertificates(_ paging: IoTPaging) async throws(IoTRegistryError) -> IoTPage<IoTCACertificate> {
        try await page(of: "ca_certificates", columns: IoTRegistryRows.caColumns, paging) { try IoTRegistryRows.ca($0) }
    }

    /// The condition's text (completed by the marker's bind) and the order: every row when there is no marker.
    static func pageClause(_ paging: IoTPaging, after: Int64?) -> (String, String) {
        if after == nil { return ("seq >", paging.ascending ? "ASC" : "DESC") }
        return paging.ascending ? ("seq >", "ASC") : ("seq <", "DESC")
    }

    public func createCertificate(_ certificate: IoTCertificate) async throws(IoTRegistryError) {
        try await write { connection, logger in
            if try await Self.exists(
                "SELECT 1 FROM certificates WHERE id = \(certificate.certificateId)", connection, logger)
            {
                throw IoTRegistryError.alreadyExists(
                    resourceId: certificate.certificateId, resourceArn: certificate.certificateArn)
            }
            try await Self.insertCertificate(certificate, connection, logger)
        }
    }

    public func listCertificates(caCertificateId: String?, _ paging: IoTPaging) async throws(IoTRegistryError)
        -> IoTPage<IoTCertificate>
    {
        try IoTRegistryGuards.checkPageSize(paging)
        let after = try paging.markerSequence()
        let (condition, order) = Self.pageClause(paging, after: after)
        return try await read { connection, logger in
            let rows = try await Self.rows(
                """
                SELECT \(unescaped: IoTRegistryRows.certificateColumns) FROM certificates
                WHERE \(unescaped: condition) \(after ?? 0)
                AND (\(caCertificateId)::TEXT IS NULL OR ca_id = \(caCertificateId))
                ORDER BY seq \(unescaped: order) LIMIT \(paging.pageSize + 1)
                """, connection, logger)
            return IoTRegistryGuards.page(
                try rows.map {
                    (sequence: try $0["seq"].decode(Int64.self), item: try IoTRegistryRows.certificate($0))
                },
                pageSize: paging.pageSize)
        }
    }

    public func deleteCertificate(id: String, force: Bool) async throws(IoTRegistryError) {
        try await write { connection, logger in
            guard
                let row = try await Self.rows(
                    "SELECT status, arn FROM certificates WHERE id = \(id)", connection, logger
                ).first
            else { throw IoTRegistryError.notFound("Certificate \(id) does not exist.") }
            let arn = try row["arn"].decode(String.self)
            let things = try await Self.count(
                "SELECT COUNT(*) FROM thing_principals WHERE principal = \(arn)", connection, logger)
            let policies = try await Self.count(
                "SELECT COUNT(*) FROM policy_targets WHERE target = \(arn)", connection, logger)
            try IoTRegistryGuards.checkCertificateDeletable(
                try IoTRegistryGuards.enumValue(IoTCertificateStatus.self, try row["status"].decode(String.self)),
                id: id, thingCount: things, policyCount: policies, force: force)
            try await connection.query("DELETE FROM policy_targets WHERE target = \(arn)", logger: logger)
            try await connection.query("DELETE FROM certificates WHERE id = \(id)", logger: logger)
        }
    }

    public func detachPolicy(name: String, target: String) async throws(IoTRegistryError) {
        try await write { connection, logger in
            guard try await Self.exists("SELECT 1 FROM policies WHERE name = \(name)", connection, logger) else {
                throw IoTRegistryError.notFound("Policy \(name) does not exist.")
            }
            try await connection.query(
                "DELETE FROM policy_targets WHERE policy_name = \(name) AND target = \(target)", logger: logger)
        }
    }

    public func thingPrincipals(thingName: String) async throws(IoTRegistryError) -> [String] {
        try await read { connection, logger in
            guard try await Self.exists("SELECT 1 FROM things WHERE name = \(thingName)", connection, logger) else {
                throw IoTRegistryError.notFound("Thing \(thingName) does not exist.")
            }
            return try await Self.rows(
                "SELECT principal FROM thing_principals WHERE thing_name = \(thingName) ORDER BY seq", connection,
                logger
            ).map { try $0["principal"].decode(String.self) }
        }
    }

    public func setting(_ key: String, orInsert makeValue: @Sendable () -> String) async throws(IoTRegistryError)
        -> String
    {
        let candidate = makeValue()
        return try await write { connection, logger in
            try await connection.query(
                "INSERT INTO settings (key, value) VALUES (\(key), \(candidate)) ON CONFLICT DO NOTHING",
                logger: logger)
            guard
                let row = try await Self.rows("SELECT value FROM settings WHERE key = \(key)", connection, logger)
                    .first
            else { throw IoTRegistryError.storage("setting \(key) vanished") }
            return try row["value"].decode(String.self)
        }
    }
}

extension PostgresRandomAccessRow: IoTRegistryRow {
    func string(_ column: String) throws -> String { try self[column].decode(String.self) }
    func optionalString(_ column: String) throws -> String? { try self[column].decode(String?.self) }
    func int(_ column: String) throws -> Int { try self[column].decode(Int.self) }
    func double(_ column: String) throws -> Double { try self[column].decode(Double.self) }
}
