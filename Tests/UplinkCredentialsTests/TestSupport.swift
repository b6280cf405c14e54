import Foundation
import Testing
import UplinkProcess
import X509

@testable import UplinkCredentials

/// A fresh temporary folder, removed by `remove()`.
struct TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "uplink-credentials-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The outcome of running a program.
struct ProcessResult {
    var status: Int32
    var output: String
    var error: String
    var outputBytes: [UInt8]
}

/// Runs `openssl` (a real peer) with arguments and optional standard input.
func openssl(_ arguments: [String], input: [UInt8]? = nil) throws -> ProcessResult {
    try run("/usr/bin/openssl", arguments, input: input)
}

/// Runs a program to its end (at most `timeout` seconds, then killed) with ``ChildProcess``, its standard input,
/// output and error in files of a temporary folder.
func run(_ executable: String, _ arguments: [String], input: [UInt8]? = nil, timeout: Double = 120) throws
    -> ProcessResult
{
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let inputPath = folder.path + "/stdin"
    try Data(input ?? []).write(to: URL(fileURLWithPath: inputPath))
    let child = try ChildProcess(
        path: executable, arguments: arguments, standardInput: inputPath,
        standardOutput: .file(folder.path + "/stdout"), standardError: .file(folder.path + "/stderr"))
    let status = child.wait(timeout: timeout)
    let out = (try? Data(contentsOf: URL(fileURLWithPath: folder.path + "/stdout"))) ?? Data()
    let err = (try? Data(contentsOf: URL(fileURLWithPath: folder.path + "/stderr"))) ?? Data()
    return ProcessResult(
        status: status ?? -1, output: String(decoding: out, as: UTF8.self),
        error: String(decoding: err, as: UTF8.self) + (status == nil ? "\n(killed or signalled)" : ""),
        outputBytes: [UInt8](out))
}

/// Material shared by the tests; RSA keys are slow to make, so each set is made once.
enum Fixtures {
    /// The seed's situation: an RSA stand-in for Amazon Root CA 1, an RSA JITR CA, an RSA device cert and key.
    struct RSASet: Sendable {
        var amazonRoot: CredentialCertificate
        var jitrCA: CredentialCertificate
        var jitrKey: CredentialKey
        var device: CredentialCertificate
        var deviceKey: CredentialKey
    }

    static let rsa: Result<RSASet, CredentialError> = Result { () throws(CredentialError) -> RSASet in
        let now = Date()
        let rootKey = try CredentialKey.generate(.rsa2048)
        let amazonName = DistinguishedName([
            RelativeDistinguishedName(.init(type: .RDNAttributeType.countryName, utf8String: "US")),
            RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: "Amazon")),
            RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: "Amazon Root CA 1")),
        ])
        let amazonRoot = try CertificateFactory.issue(
            subject: amazonName, key: rootKey, role: .rootCA, notBefore: now - 3600, notAfter: now + 86400 * 3650)
        let jitrKey = try CredentialKey.generate(.rsa2048)
        let jitrCA = try CertificateFactory.issue(
            subject: DevPKI.name(common: "Uplink JITR CA"), key: jitrKey, role: .rootCA, notBefore: now - 3600,
            notAfter: now + 86400 * 3650)
        let deviceKey = try CredentialKey.generate(.rsa2048).withFormat(.pkcs1)
        let device = try CertificateFactory.issue(
            subject: DevPKI.name(common: "device-0001"), key: deviceKey, role: .client,
            issuer: .init(certificate: jitrCA, key: jitrKey), notBefore: now - 3600, notAfter: now + 86400 * 365)
        return RSASet(amazonRoot: amazonRoot, jitrCA: jitrCA, jitrKey: jitrKey, device: device, deviceKey: deviceKey)
    }

    /// An EC P-256 development PKI with a device CA and two devices.
    static let ec: Result<DevPKI, CredentialError> = Result { () throws(CredentialError) -> DevPKI in
        var options = DevPKI.Options()
        options.deviceCA = true
        options.deviceCount = 2
        return try DevPKI.generate(options)
    }

    static func rsaSet() throws -> RSASet { try rsa.get() }
    static func ecPKI() throws -> DevPKI { try ec.get() }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
