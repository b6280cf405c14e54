import Foundation
import NIOSSL
import PostgresNIO
import UplinkIoTRegistry

/// How the connections to a PostgreSQL registry use TLS, from libpq's URL options `sslmode`, `sslrootcert`,
/// `sslcert` and `sslkey`.
///
/// Modes as libpq has them: `disable` (plain), `prefer` (TLS when the server offers it, not verified), `require`
/// (TLS, not verified — verified as `verify-ca` when `sslrootcert` is given, as libpq does), `verify-ca` (the
/// server's chain must lead to a trusted root), `verify-full` (and name the host, or its IP address). `allow`
/// (plain first) has no equivalent in postgres-nio and is refused. Without `sslmode` the default is `verify-full`,
/// except for a loopback host (`localhost`, 127.0.0.0/8, `::1`), where it is `prefer`: traffic that never leaves
/// the machine. Trusted roots: `sslrootcert` (a PEM file), else the system's. A client certificate (`sslcert`, PEM
/// chain) needs its key (`sslkey`, PEM). TLS 1.2 at least.
public struct PostgresRegistryTLS: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        case disable
        case prefer
        case require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var mode: Mode
    /// `sslrootcert`: the roots the server's chain must lead to (PEM).
    public var rootCertificateFile: String?
    /// `sslcert`: the client's certificate chain (PEM).
    public var certificateFile: String?
    /// `sslkey`: the client certificate's key (PEM).
    public var keyFile: String?

    public init(
        mode: Mode, rootCertificateFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil
    ) {
        self.mode = mode
        self.rootCertificateFile = rootCertificateFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// The URL options this reads.
    public static let optionNames = ["sslmode", "sslrootcert", "sslcert", "sslkey"]

    /// The mode when the URL names none: `prefer` on loopback, else `verify-full`.
    public static func defaultMode(host: String) -> Mode {
        isLoopback(host) ? .prefer : .verifyFull
    }

    static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "::1" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// The settings from the URL's options (`name → value`) for `host`; unknown options and bad values are
    /// refused.
    public init(options: [(name: String, value: String)], host: String) throws(IoTRegistryError) {
        var values: [String: String] = [:]
        for (name, value) in options {
            guard Self.optionNames.contains(name) else {
                throw .invalidRequest(
                    "unknown registry URL option \(name) (supported: \(Self.optionNames.joined(separator: ", ")))")
            }
            guard values[name] == nil else { throw .invalidRequest("registry URL option \(name) given twice") }
            guard !value.isEmpty else { throw .invalidRequest("registry URL option \(name) has no value") }
            values[name] = value
        }
        let mode: Mode
        if let text = values["sslmode"] {
            guard let named = Mode(rawValue: text) else {
                let modes = Mode.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidRequest(
                    text == "allow"
                        ? "sslmode=allow (plain first, then TLS) is not supported; use prefer, or one of \(modes)"
                        : "sslmode=\(text) is not one of \(modes)")
            }
            mode = named
        } else {
            mode = Self.defaultMode(host: host)
        }
        self.init(
            mode: mode, rootCertificateFile: values["sslrootcert"], certificateFile: values["sslcert"],
            keyFile: values["sslkey"])
        guard (certificateFile == nil) == (keyFile == nil) else {
            throw .invalidRequest("sslcert and sslkey go together (a client certificate needs its key)")
        }
        if mode == .disable, rootCertificateFile != nil || certificateFile != nil {
            throw .invalidRequest("sslmode=disable with sslrootcert or sslcert: no TLS would use them")
        }
    }

    /// The verification the mode asks for.
    var verification: CertificateVerification {
        switch mode {
        case .disable, .prefer: .none
        case .require: rootCertificateFile == nil ? .none : .noHostnameVerification
        case .verifyCA: .noHostnameVerification
        case .verifyFull: .fullVerification
        }
    }

    /// The TLS configuration, its files read now (a missing or malformed file is a clear error); nil for
    /// `disable`.
    func configuration() throws(IoTRegistryError) -> TLSConfiguration? {
        guard mode != .disable else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = verification
        do {
            if let rootCertificateFile {
                let roots = try NIOSSLCertificate.fromPEMFile(rootCertificateFile)
                guard !roots.isEmpty else { throw IoTRegistryError.invalidRequest("no certificate in it") }
                configuration.trustRoots = .certificates(roots)
            }
        } catch {
            throw .invalidRequest("sslrootcert \(rootCertificateFile ?? ""): cannot read a PEM certificate: \(error)")
        }
        if let certificateFile, let keyFile {
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
                guard !chain.isEmpty else { throw IoTRegistryError.invalidRequest("no certificate in it") }
                configuration.certificateChain = chain.map { .certificate($0) }
            } catch {
                throw .invalidRequest("sslcert \(certificateFile): cannot read a PEM certificate chain: \(error)")
            }
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            } catch {
                throw .invalidRequest("sslkey \(keyFile): cannot read a PEM private key: \(error)")
            }
        }
        return configuration
    }

    /// The setting for one postgres-nio connection.
    func connectionTLS() throws(IoTRegistryError) -> PostgresConnection.Configuration.TLS {
        guard let configuration = try configuration() else { return .disable }
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: configuration) } catch {
            throw .invalidRequest("cannot set up TLS for the registry: \(error)")
        }
        return mode == .prefer ? .prefer(context) : .require(context)
    }

    /// The setting for a postgres-nio pool.
    func clientTLS() throws(IoTRegistryError) -> PostgresClient.Configuration.TLS {
        guard let configuration = try configuration() else { return .disable }
        return mode == .prefer ? .prefer(configuration) : .require(configuration)
    }

    /// The options as a URL query, for descriptions: empty when they are the host's default.
    func query(host: String) -> String {
        var items: [String] = []
        if mode != Self.defaultMode(host: host) { items.append("sslmode=\(mode.rawValue)") }
        if let rootCertificateFile { items.append("sslrootcert=\(rootCertificateFile)") }
        if let certificateFile { items.append("sslcert=\(certificateFile)") }
        if let keyFile { items.append("sslkey=\(keyFile)") }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }
}
