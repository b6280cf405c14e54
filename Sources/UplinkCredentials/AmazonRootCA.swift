/// Amazon's root CAs for AWS IoT ATS endpoints, by subject and size (no network here to fetch them).
///
/// Sizes were measured with OpenSSL 3.0.19 on the certificates of Debian `ca-certificates`
/// 20230311+deb12u1 (the same certificates as https://www.amazontrust.com/repository/); see
/// `reference/dns-certs.md` §B1 and `reference/mqtt-awsiot.md` §3.1. A third-party README lists
/// AmazonRootCA1.pem 1188 and AmazonRootCA3.pem 656 bytes, which matches.
public struct AmazonRootCA: Sendable, Equatable {
    /// The common name, e.g. `Amazon Root CA 1`.
    public var commonName: String
    /// Key and signature, as text.
    public var algorithm: String
    /// Bytes of the PEM file (with its final newline).
    public var pemSize: Int
    /// Bytes of the DER.
    public var derSize: Int

    /// Amazon Root CA 1: RSA 2048, sha256WithRSAEncryption. The root AWS IoT sends a chain to for RSA suites.
    public static let rootCA1 = AmazonRootCA(
        commonName: "Amazon Root CA 1", algorithm: "RSA 2048 / sha256WithRSAEncryption", pemSize: 1188, derSize: 837)
    /// Amazon Root CA 2: RSA 4096 (reserved for future use by AWS IoT).
    public static let rootCA2 = AmazonRootCA(
        commonName: "Amazon Root CA 2", algorithm: "RSA 4096 / sha384WithRSAEncryption", pemSize: 1883, derSize: 1349)
    /// Amazon Root CA 3: EC P-256, ecdsa-with-SHA256. The root AWS IoT sends a chain to for ECDSA suites.
    public static let rootCA3 = AmazonRootCA(
        commonName: "Amazon Root CA 3", algorithm: "EC P-256 / ecdsa-with-SHA256", pemSize: 656, derSize: 442)
    /// Amazon Root CA 4: EC P-384 (reserved for future use by AWS IoT).
    public static let rootCA4 = AmazonRootCA(
        commonName: "Amazon Root CA 4", algorithm: "EC P-384 / ecdsa-with-SHA384", pemSize: 737, derSize: 502)

    /// All four roots.
    public static let all: [AmazonRootCA] = [.rootCA1, .rootCA2, .rootCA3, .rootCA4]

    /// The root whose subject is `CN=<name>, O=Amazon, C=US`, if `certificate` is one of them.
    public static func identify(_ certificate: CredentialCertificate) -> AmazonRootCA? {
        let subject = certificate.certificate.subject
        guard subject.values(of: .RDNAttributeType.organizationName) == ["Amazon"],
            subject.values(of: .RDNAttributeType.countryName) == ["US"],
            let commonName = subject.values(of: .RDNAttributeType.commonName).first
        else { return nil }
        return all.first { $0.commonName == commonName }
    }
}
