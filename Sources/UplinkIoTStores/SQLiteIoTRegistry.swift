import Foundation
import GRDB
import UplinkIoTRegistry

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The registry in an embedded SQLite database (GRDB): `registry.sqlite` in a data folder.
///
/// The folder is created 0700 and the database files 0600 (SQLite gives its `-wal` and `-shm` files the
/// database's mode). WAL journal with `synchronous=FULL`: every write is one transaction, and a committed one
/// survives a kill -9 of the process (and a power cut). The schema is versioned by GRDB's migrator.
public final class SQLiteIoTRegistry: IoTControlRegistry {
    /// The database file's name inside the data folder.
    public static let fileName = "registry.sqlite"

    /// The default data folder: `$XDG_DATA_HOME/uplink/iot`, else `~/.local/share/uplink/iot`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return xdg + "/uplink/iot" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/uplink/iot"
    }

    /// The database's path.
    public let path: String
    private let pool: DatabasePool

    /// Opens (creating when missing) the registry in `directory` and brings its schema up to date.
    public init(directory: String) throws(IoTRegistryError) {
        try Self.makePrivateDirectory(directory)
        let path = (directory.hasSuffix("/") ? directory : directory + "/") + Self.fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .storage("cannot open \(path): \(String(cString: strerror(errno)))") }
        let chmodOK = fchmod(fd, 0o600) == 0
        close(fd)
        guard chmodOK else { throw .storage("cannot make \(path) private: \(String(cString: strerror(errno)))") }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw .storage("cannot open the registry \(path): \(error)")
        }
        self.path = path
    }

    private static func makePrivateDirectory(_ directory: String) throws(IoTRegistryError) {
        var components = [String]()
        for part in directory.split(separator: "/", omittingEmptySubsequences: false) {
            components.append(String(part))
            let prefix = components.joined(separator: "/")
            if prefix.isEmpty { continue }
            var info = stat()
            if stat(prefix, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else { throw .storage("\(prefix) is not a folder") }
                continue
            }
            guard mkdir(prefix, 0o700) == 0 || errno == EEXIST else {
                throw .storage("cannot create \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            for statement in IoTRegistrySchema.version1(autoIncrement: "INTEGER PRIMARY KEY AUTOINCREMENT") {
                try db.execute(sql: statement)
            }
        }
        migrator.registerMigration("v2") { db in
            for statement in IoTRegistrySchema.version2(autoIncrement: "INTEGER PRIMARY KEY AUTOINCREMENT") {
                try db.execute(sql: statement)
            }
        }
        return migrator
    }

    // MARK: Transactions

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T)
        async throws(IoTRegistryError) -> T
    {
        do { return try await pool.write(body) } catch let error as IoTRegistryError { throw error } catch {
            throw .storage("\(error)")
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T)
        async throws(IoTRegistryError) -> T
    {
        do { return try await pool.read(body) } catch let error as IoTRegistryError { throw error } catch {
            throw .storage("\(error)")
        }
    }

    /// `PRAGMA integrity_check` and the foreign keys check: `nil` when the database is consistent.
    public func consistencyProblem() async throws(IoTRegistryError) -> String? {
        try await read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            guard integrity == ["ok"] else { return integrity.joined(separator: "; ") }
            let orphans = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            return orphans.isEmpty ? nil : "\(orphans.count) row(s) break a foreign key"
        }
    }

    // MARK: Rows

    /// One page of `table`'s rows (`columns`, `seq` among them) in `seq` order from `paging`'s marker, each read by
    /// `item`.
    func page<Item: Sendable>(
        of table: String, columns: String, _ paging: IoTPaging, item: @escaping @Sendable (Row) throws -> Item
    ) async throws(IoTRegistryError) -> IoTPage<Item> {
        try IoTRegistryGuards.checkPageSize(paging)
        let after = try paging.markerSequence()
        return try await read { db in
            let (condition, order) = Self.pageClause(paging, after: after)
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT \(columns) FROM \(table) WHERE \(condition) ORDER BY seq \(order) LIMIT ?",
                arguments: after == nil ? [0, 0, paging.pageSize + 1] : [after, paging.pageSize + 1])
            return IoTRegistryGuards.page(
                try rows.map { (sequence: try $0.decode(Int64.self, forColumn: "seq"), item: try item($0)) },
                pageSize: paging.pageSize)
        }
    }

    // MARK: Writes used inside transactions

    private static func insertCertificate(_ c: IoTCertificate, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO certificates (id, arn, pem, status, ca_id, created, modified, customer_version, generation_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                c.certificateId, c.certificateArn, c.certificatePem, c.status.rawValue, c.caCertificateId,
                c.creationDate.timeIntervalSince1970, c.lastModifiedDate.timeIntervalSince1970, c.customerVersion,
                c.generationId,
            ])
    }

    private static func insertPolicy(_ p: IoTPolicy, _ db: Database) throws {
        try db.execute(
            sql:
                "INSERT INTO policies (name, arn, default_version_id, created, modified, generation_id) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                p.policyName, p.policyArn, p.defaultVersionId, p.creationDate.timeIntervalSince1970,
                p.lastModifiedDate.timeIntervalSince1970, p.generationId,
            ])
        try db.execute(
            sql: "INSERT INTO policy_versions (policy_name, version_id, document, created) VALUES (?, ?, ?, ?)",
            arguments: [p.policyName, p.defaultVersionId, p.policyDocument, p.creationDate.timeIntervalSince1970])
    }

    private static func insertThing(_ t: IoTThing, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO things (name, arn, id, type_name, attributes, version) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                t.thingName, t.thingArn, t.thingId, t.thingTypeName, IoTRegistryGuards.encode(t.attributes), t.version,
            ])
    }

    private static func attachPolicy(_ name: String, _ target: String, _ db: Database) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM policies WHERE name = ?", arguments: [name]) != nil else {
            throw IoTRegistryError.notFound("Policy \(name) does not exist.")
        }
        try db.execute(
            sql: "INSERT INTO policy_targets (policy_name, target) VALUES (?, ?) ON CONFLICT DO NOTHING",
            arguments: [name, target])
    }

    private static func attachPrincipal(_ thingName: String, _ principal: String, _ db: Database) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM things WHERE name = ?", arguments: [thingName]) != nil else {
            throw IoTRegistryError.notFound("Thing \(thingName) does not exist.")
        }
        try db.execute(
            sql: "INSERT INTO thing_principals (thing_name, principal) VALUES (?, ?) ON CONFLICT DO NOTHING",
            arguments: [thingName, principal])
    }

    // MARK: IoTRegistry

    public func caCertificate(id: String) async throws(IoTRegistryError) -> IoTCACertificate? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(IoTRegistryRows.caColumns) FROM ca_certificates WHERE id = ?", arguments: [id]
            )
            .map(IoTRegistryRows.ca)
        }
    }

    public func caCertificates() async throws(IoTRegistryError) -> [IoTCACertificate] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(IoTRegistryRows.caColumns) FROM ca_certificates ORDER BY seq").map(
                IoTRegistryRows.ca)
        }
    }

    public func certificate(id: String) async throws(IoTRegistryError) -> IoTCertificate? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(IoTRegistryRows.certificateColumns) FROM certificates WHERE id = ?", arguments: [id]
            )
            .map(IoTRegistryRows.certificate)
        }
    }

    public func registerCertificate(_ certificate: IoTCertificate) async throws(IoTRegistryError) -> IoTCertificate {
        try await write { db in
            if let existing = try Row.fetchOne(
                db, sql: "SELECT \(IoTRegistryRows.certificateColumns) FROM certificates WHERE id = ?",
                arguments: [certificate.certificateId])
            {
                return try IoTRegistryRows.certificate(existing)
            }
            try Self.insertCertificate(certificate, db)
            return certificate
        }
    }

    public func updateCertificateStatus(id: String, to status: IoTCertificateStatus) async throws(IoTRegistryError) {
        let now = Date().timeIntervalSince1970
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE certificates SET status = ?, modified = ?, customer_version = customer_version + 1,
                    generation_id = ? WHERE id = ?
                    """,
                arguments: [status.rawValue, now, UUID().uuidString.lowercased(), id])
            guard db.changesCount == 1 else { throw IoTRegistryError.notFound("Certificate \(id) does not exist.") }
        }
    }

    public func createPolicy(_ policy: IoTPolicy) async throws(IoTRegistryError) {
        try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM policies WHERE name = ?", arguments: [policy.policyName])
                != nil
            {
                throw IoTRegistryError.alreadyExists(resourceId: policy.policyName, resourceArn: policy.policyArn)
            }
            try Self.insertPolicy(policy, db)
        }
    }

    public func policy(name: String) async throws(IoTRegistryError) -> IoTPolicy? {
        try await read { db in
            try Row.fetchOne(db, sql: IoTRegistryRows.policySelect + " WHERE p.name = ?", arguments: [name]).map(
                IoTRegistryRows.policy)
        }
    }

    public func attachPolicy(name: String, target: String) async throws(IoTRegistryError) {
        try await write { db in try Self.attachPolicy(name, target, db) }
    }

    public func attachedPolicies(target: String) async throws(IoTRegistryError) -> [IoTPolicy] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: IoTRegistryRows.policySelect
                    + " JOIN policy_targets t ON t.policy_name = p.name WHERE t.target = ? ORDER BY t.seq",
                arguments: [target]
            ).map(IoTRegistryRows.policy)
        }
    }

    public func createThing(_ thing: IoTThing) async throws(IoTRegistryError) {
        try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM things WHERE name = ?", arguments: [thing.thingName]) != nil {
                throw IoTRegistryError.alreadyExists(resourceId: thing.thingId, resourceArn: thing.thingArn)
            }
            try Self.insertThing(thing, db)
        }
    }

    public func thing(name: String) async throws(IoTRegistryError) -> IoTThing? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(IoTRegistryRows.thingColumns) FROM things WHERE name = ?", arguments: [name]
            )
            .map(IoTRegistryRows.thing)
        }
    }

    public func attachThingPrincipal(thingName: String, principal: String) async throws(IoTRegistryError) {
        try await write { db in try Self.attachPrincipal(thingName, principal, db) }
    }

    public func thingNames(principal: String) async throws(IoTRegistryError) -> [String] {
        try await read { db in
            try String.fetchAll(
                db, sql: "SELECT thing_name FROM thing_principals WHERE principal = ? ORDER BY seq",
                arguments: [principal])
        }
    }

    public func provision(_ plan: IoTProvisioningPlan) async throws(IoTRegistryError) {
        try await write { db in
            let id = plan.certificate.certificateId
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM certificates WHERE id = ?", arguments: [id]) != nil {
                try db.execute(
                    sql:
                        "UPDATE certificates SET status = ?, modified = ?, customer_version = customer_version + 1 WHERE id = ?",
                    arguments: [
                        plan.certificate.status.rawValue, plan.certificate.lastModifiedDate.timeIntervalSince1970, id,
                    ])
            } else {
                try Self.insertCertificate(plan.certificate, db)
            }
            for thing in plan.things
            where try Bool.fetchOne(db, sql: "SELECT 1 FROM things WHERE name = ?", arguments: [thing.thingName]) == nil
            {
                try Self.insertThing(thing, db)
            }
            for policy in plan.policies
            where try Bool.fetchOne(db, sql: "SELECT 1 FROM policies WHERE name = ?", arguments: [policy.policyName])
                == nil
            {
                try Self.insertPolicy(policy, db)
            }
            for attachment in plan.policyAttachments {
                try Self.attachPolicy(attachment.policyName, attachment.target, db)
            }
            for principal in plan.thingPrincipals {
                try Self.attachPrincipal(principal.thingName, principal.principal, db)
            }
        }
    }

    // MARK: IoTControlRegistry

    public func createCACertificate(_ ca: IoTCACertificate) async throws(IoTRegistryError) {
        try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM ca_certificates WHERE id = ?", arguments: [ca.certificateId])
                != nil
            {
                throw IoTRegistryError.alreadyExists(resourceId: ca.certificateId, resourceArn: ca.certificateArn)
            }
            try db.execute(
                sql: """
                    INSERT INTO ca_certificates (id, arn, pem, status, auto_registration, registration_config, created,
                    modified, customer_version, generation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    ca.certificateId, ca.certificateArn, ca.certificatePem, ca.status.rawValue,
                    ca.autoRegistrationStatus.rawValue, IoTRegistryGuards.encode(ca.registrationConfig),
                    ca.creationDate.timeIntervalSince1970, ca.lastModifiedDate.timeIntervalSince1970,
                    ca.customerVersion, ca.generationId,
                ])
        }
    }

    public func updateCACertificate(id: String, _ update: IoTCACertificateUpdate, at date: Date)
        async throws(IoTRegistryError)
    {
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(IoTRegistryRows.caColumns) FROM ca_certificates WHERE id = ?", arguments: [id])
            else { throw IoTRegistryError.notFound("CA certificate \(id) does not exist.") }
            let ca = IoTRegistryGuards.applying(update, to: try IoTRegistryRows.ca(row), at: date)
            try db.execute(
                sql: """
                    UPDATE ca_certificates SET status = ?, auto_registration = ?, registration_config = ?, modified = ?,
                    customer_version = ?, generation_id = ? WHERE id = ?
                    """,
                arguments: [
                    ca.status.rawValue, ca.autoRegistrationStatus.rawValue,
                    IoTRegistryGuards.encode(ca.registrationConfig), ca.lastModifiedDate.timeIntervalSince1970,
                    ca.customerVersion, ca.generationId, id,
                ])
        }
    }

    public func deleteCACertificate(id: String) async throws(IoTRegistryError) {
        try await write { db in
            guard
                let status = try String.fetchOne(
                    db, sql: "SELECT status FROM ca_certificates WHERE id = ?", arguments: [id])
            else { throw IoTRegistryError.notFound("CA certificate \(id) does not exist.") }
            try IoTRegistryGuards.checkCADeletable(
                try IoTRegistryGuards.enumValue(IoTCACertificateStatus.self, status), id: id)
            try db.execute(sql: "DELETE FROM ca_certificates WHERE id = ?", arguments: [id])
        }
    }

    public func listCACertificates(_ paging: IoTPaging) async throws(IoTRegistryError) -> IoTPage<IoTCACertificate> {
        try await page(of: "ca_certificates", columns: IoTRegistryRows.caColumns, paging) { try IoTRegistryRows.ca($0) }
    }

    static func pageClause(_ paging: IoTPaging, after: Int64?) -> (String, String) {
        if after == nil { return ("? = ?", paging.ascending ? "ASC" : "DESC") }
        return paging.ascending ? ("seq > ?", "ASC") : ("seq < ?", "DESC")
    }

    public func createCertificate(_ certificate: IoTCertificate) async throws(IoTRegistryError) {
        try await write { db in
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM certificates WHERE id = ?", arguments: [certificate.certificateId]) != nil
            {
                throw IoTRegistryError.alreadyExists(
                    resourceId: certificate.certificateId, resourceArn: certificate.certificateArn)
            }
            try Self.insertCertificate(certificate, db)
        }
    }

    public func listCertificates(caCertificateId: String?, _ paging: IoTPaging) async throws(IoTRegistryError)
        -> IoTPage<IoTCertificate>
    {
        try IoTRegistryGuards.checkPageSize(paging)
        let after = try paging.markerSequence()
        return try await read { db in
            var (condition, order) = Self.pageClause(paging, after: after)
            var arguments: StatementArguments = [after ?? 0]
            if after == nil { arguments = [0, 0] }
            if let caCertificateId {
                condition += " AND ca_id = ?"
                arguments += [caCertificateId]
            }
            arguments += [paging.pageSize + 1]
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT \(IoTRegistryRows.certificateColumns) FROM certificates WHERE \(condition) ORDER BY seq \(order) LIMIT ?",
                arguments: arguments)
            return IoTRegistryGuards.page(
                try rows.map {
                    (sequence: try $0.decode(Int64.self, forColumn: "seq"), item: try IoTRegistryRows.certificate($0))
                },
                pageSize: paging.pageSize)
        }
    }

    public func deleteCertificate(id: String, force: Bool) async throws(IoTRegistryError) {
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT status, arn FROM certificates WHERE id = ?", arguments: [id])
            else { throw IoTRegistryError.notFound("Certificate \(id) does not exist.") }
            let arn: String = try row.decode(forColumn: "arn")
            let things =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM thing_principals WHERE principal = ?", arguments: [arn])
                ?? 0
            let policies =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM policy_targets WHERE target = ?", arguments: [arn]) ?? 0
            try IoTRegistryGuards.checkCertificateDeletable(
                try IoTRegistryGuards.enumValue(IoTCertificateStatus.self, try row.decode(forColumn: "status")), id: id,
                thingCount: things, policyCount: policies, force: force)
            try db.execute(sql: "DELETE FROM policy_targets WHERE target = ?", arguments: [arn])
            try db.execute(sql: "DELETE FROM certificates WHERE id = ?", arguments: [id])
        }
    }

    public func detachPolicy(name: String, target: String) async throws(IoTRegistryError) {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM policies WHERE name = ?", arguments: [name]) != nil else {
                throw IoTRegistryError.notFound("Policy \(name) does not exist.")
            }
            try db.execute(
                sql: "DELETE FROM policy_targets WHERE policy_name = ? AND target = ?", arguments: [name, target])
        }
    }

    public func thingPrincipals(thingName: String) async throws(IoTRegistryError) -> [String] {
        try await read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM things WHERE name = ?", arguments: [thingName]) != nil
            else {
                throw IoTRegistryError.notFound("Thing \(thingName) does not exist.")
            }
            return try String.fetchAll(
                db, sql: "SELECT principal FROM thing_principals WHERE thing_name = ? ORDER BY seq",
                arguments: [thingName])
        }
    }

    public func setting(_ key: String, orInsert makeValue: @Sendable () -> String) async throws(IoTRegistryError)
        -> String
    {
        let candidate = makeValue()
        return try await write { db in
            try db.execute(
                sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                arguments: [key, candidate])
            guard let value = try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key])
            else { throw IoTRegistryError.storage("setting \(key) vanished") }
            return value
        }
    }
}

extension Row: IoTRegistryRow {
    func string(_ column: String) throws -> String { try decode(String.self, forColumn: column) }
    func optionalString(_ column: String) throws -> String? { try decode(String?.self, forColumn: column) }
    func int(_ column: String) throws -> Int { try decode(Int.self, forColumn: column) }
    func double(_ column: String) throws -> Double { try decode(Double.self, forColumn: column) }
}
