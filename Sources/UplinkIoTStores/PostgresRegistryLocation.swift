import Foundation
import UplinkIoTRegistry

/// Where a shared PostgreSQL registry is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?OPTIONS]`, the options
/// being libpq's TLS ones (``PostgresRegistryTLS``: `sslmode`, `sslrootcert`, `sslcert`, `sslkey`).
///
/// The password is kept for connecting only: `description` leaves it out, so the location can be logged.
public struct PostgresRegistryLocation: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// How the connections use TLS.
    public var tls: PostgresRegistryTLS

    /// A location; `tls` defaults to the host's default mode (``PostgresRegistryTLS/defaultMode(host:)``).
    public init(
        host: String, port: Int = 5432, username: String, password: String?, database: String,
        tls: PostgresRegistryTLS? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls ?? PostgresRegistryTLS(mode: PostgresRegistryTLS.defaultMode(host: host))
    }

    /// Parses a `postgres://` (or `postgresql://`) URL; user, password and database may be percent-encoded.
    public init(url: String) throws(IoTRegistryError) {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw .invalidRequest("a registry URL starts with postgres://, not \(Self.redacting(url))")
        }
        guard let components = URLComponents(string: url) else {
            throw .invalidRequest("\(Self.redacting(url)) is not a URL")
        }
        guard let user = components.user, !user.isEmpty else {
            throw .invalidRequest("\(Self.redacting(url)) has no user: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidRequest("\(Self.redacting(url)) has no host: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw .invalidRequest("port \(port) is not 1-65535") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw .invalidRequest(
                "\(Self.redacting(url)) names no database: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        guard components.fragment == nil else {
            throw .invalidRequest("\(Self.redacting(url)): a registry URL has no #fragment")
        }
        let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let options = (components.queryItems ?? []).map { (name: $0.name, value: $0.value ?? "") }
        self.init(
            host: bareHost, port: port, username: user, password: components.password,
            database: database.removingPercentEncoding ?? database,
            tls: try PostgresRegistryTLS(options: options, host: bareHost))
    }

    /// The URL without its password.
    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
            + tls.query(host: host)
    }

    /// `url` with anything between `//user:` and `@` replaced, for error messages.
    static func redacting(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else {
            return url
        }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
