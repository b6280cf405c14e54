import Foundation
import X509

/// A development PKI: a root CA, optionally a device CA (the JITR CA), device certificates and a broker
/// certificate, as files ready for mosquitto, `uplink module` and `openssl verify`.
///
/// Files: `ca.pem`/`ca.key`; with a device CA `device-ca.pem`/`device-ca.key`; per device
/// `device-0001.pem`, `device-0001.key` and `device-0001-chain.pem` (leaf, then the CA that issued it: what a
/// JITR device presents); `server.pem`/`server.key`. Keys are written with mode 0600, certificates 0644.
public struct DevPKI: Sendable {
    /// What to generate.
    public struct Options: Sendable {
        /// Key type of every certificate: EC P-256 (default) or RSA 2048.
        public var keyAlgorithm: KeyAlgorithm = .ecP256
        /// How many device certificates.
        public var deviceCount = 1
        /// Whether devices are issued by an intermediate device CA rather than the root.
        public var deviceCA = false
        /// Extra names (DNS or IP) for the server certificate, beyond `localhost`, `127.0.0.1` and `::1`.
        public var serverNames: [String] = []
        /// Validity in days from `now`, within ``dayRange``.
        public var days = 365
        /// The validities a PKI may have: a day to a hundred years (a longer one would not fit a certificate's
        /// time fields, and a huge one trapped converting to seconds).
        public static let dayRange = 1...36_500
        /// Start of the validity of device and server certificates (default: an hour before `now`).
        public var notBefore: Date?
        /// End of the validity of device and server certificates (default: `days` after the start).
        public var notAfter: Date?
        /// Key files in the traditional format (PKCS#1 / SEC1) instead of PKCS#8.
        public var traditionalKeys = false
        /// The root's subject.
        public var rootSubject: DistinguishedName = DevPKI.name(common: "Uplink Development Root CA")
        /// The device CA's subject.
        public var deviceCASubject: DistinguishedName = DevPKI.name(common: "Uplink Development Device CA")
        /// Device names (certificate CN = AWS IoT thing name): prefix plus a 4-digit number.
        public var devicePrefix = "device-"
        /// The time the validity is computed from.
        public var now = Date()

        /// Default options: EC P-256, one device, no device CA, 365 days.
        public init() {}
    }

    /// A generated certificate and its key.
    public struct Identity: Sendable {
        /// The name the files are called after, e.g. `device-0001`.
        public var name: String
        /// The certificate.
        public var certificate: CredentialCertificate
        /// The key.
        public var key: CredentialKey
    }

    /// One file to write.
    public struct File: Sendable {
        /// File name inside the output folder.
        public var name: String
        /// Contents.
        public var contents: [UInt8]
        /// Whether it is a private key (mode 0600).
        public var isPrivate: Bool
    }

    /// The root CA.
    public var root: Identity
    /// The device CA, if requested.
    public var deviceCA: Identity?
    /// The devices.
    public var devices: [Identity]
    /// The broker's certificate (CN=localhost).
    public var server: Identity
    /// The files, in writing order.
    public var files: [File]

    /// A distinguished name `CN=<common>, O=<organization>`.
    public static func name(common: String, organization: String = "Uplink Development") -> DistinguishedName {
        // The builder only fails for invalid printable strings; UTF8String attributes cannot fail.
        DistinguishedName([
            RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: organization)),
            RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: common)),
        ])
    }

    /// Generates everything in memory.
    public static func generate(_ options: Options) throws(CredentialError) -> DevPKI {
        guard (1...9999).contains(options.deviceCount) else {
            throw .invalidOption("--devices must be between 1 and 9999, not \(options.deviceCount)")
        }
        guard Options.dayRange.contains(options.days) else {
            throw .invalidOption("--days must be between 1 and 36500, not \(options.days)")
        }
        let leafStart = options.notBefore ?? options.now.addingTimeInterval(-3600)
        let leafEnd = options.notAfter ?? leafStart.addingTimeInterval(Double(options.days) * 86400)
        guard leafEnd > leafStart else {
            throw .invalidOption(
                "the validity ends (\(ISODate.format(leafEnd))) before it starts (\(ISODate.format(leafStart)))")
        }
        let caStart = min(leafStart, options.now.addingTimeInterval(-3600))
        let caEnd = max(leafEnd, options.now.addingTimeInterval(Double(options.days) * 86400))

        let rootKey = try CredentialKey.generate(options.keyAlgorithm)
        let rootCertificate = try CertificateFactory.issue(
            subject: options.rootSubject, key: rootKey, role: .rootCA, notBefore: caStart, notAfter: caEnd)
        let root = Identity(name: "ca", certificate: rootCertificate, key: rootKey)
        var issuer = CertificateFactory.Issuer(certificate: rootCertificate, key: rootKey)

        var deviceCA: Identity?
        if options.deviceCA {
            let key = try CredentialKey.generate(options.keyAlgorithm)
            let certificate = try CertificateFactory.issue(
                subject: options.deviceCASubject, key: key, role: .intermediateCA(pathLength: 0), issuer: issuer,
                notBefore: caStart, notAfter: caEnd)
            deviceCA = Identity(name: "device-ca", certificate: certificate, key: key)
            issuer = CertificateFactory.Issuer(certificate: certificate, key: key)
        }

        var devices = [Identity]()
        for number in 1...options.deviceCount {
            let name =
                options.devicePrefix + String(repeating: "0", count: max(0, 4 - String(number).count)) + "\(number)"
            let key = try CredentialKey.generate(options.keyAlgorithm)
            let certificate = try CertificateFactory.issue(
                subject: DevPKI.name(common: name), key: key, role: .client, issuer: issuer,
                notBefore: leafStart, notAfter: leafEnd)
            devices.append(Identity(name: name, certificate: certificate, key: key))
        }

        var serverNames = ["localhost", "127.0.0.1", "::1"]
        for name in options.serverNames where !serverNames.contains(name) { serverNames.append(name) }
        let serverKey = try CredentialKey.generate(options.keyAlgorithm)
        let serverCertificate = try CertificateFactory.issue(
            subject: DevPKI.name(common: options.serverNames.first ?? "localhost"), key: serverKey,
            role: .server(names: serverNames),
            issuer: CertificateFactory.Issuer(certificate: rootCertificate, key: rootKey),
            notBefore: leafStart, notAfter: leafEnd)
        let server = Identity(name: "server", certificate: serverCertificate, key: serverKey)

        var files = [File]()
        func add(_ identity: Identity) throws(CredentialError) {
            files.append(
                File(
                    name: identity.name + ".pem", contents: Array(identity.certificate.pemString.utf8), isPrivate: false
                ))
            let format: PrivateKeyFormat = options.traditionalKeys ? identity.key.traditionalFormat : .pkcs8
            files.append(
                File(
                    name: identity.name + ".key", contents: Array(try identity.key.pemString(format).utf8),
                    isPrivate: true))
        }
        try add(root)
        if let deviceCA { try add(deviceCA) }
        let issuingCertificate = deviceCA?.certificate ?? rootCertificate
        for device in devices {
            try add(device)
            let chain = device.certificate.pemString + issuingCertificate.pemString
            files.append(File(name: device.name + "-chain.pem", contents: Array(chain.utf8), isPrivate: false))
        }
        try add(server)
        return DevPKI(root: root, deviceCA: deviceCA, devices: devices, server: server, files: files)
    }

    /// Writes the files into `directory` (created if missing); returns their paths.
    /// Refuses to replace existing files unless `overwrite` is true.
    @discardableResult
    public func write(to directory: String, overwrite: Bool = false) throws(CredentialError) -> [String] {
        try SecureFileWriter.makeDirectory(directory)
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        if !overwrite {
            for file in files where FileManager.default.fileExists(atPath: base + file.name) {
                throw .file(path: base + file.name, reason: "exists already (use --force to replace it)")
            }
        }
        var paths = [String]()
        for file in files {
            let path = base + file.name
            try SecureFileWriter.write(
                file.contents, to: path,
                mode: file.isPrivate ? SecureFileWriter.privateMode : SecureFileWriter.publicMode, overwrite: overwrite)
            paths.append(path)
        }
        return paths
    }
}
