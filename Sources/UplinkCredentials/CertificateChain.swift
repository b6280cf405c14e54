/// Certificates in order, as a file or a slot holds them (a JITR chain is leaf first, then its CA).
public struct CertificateChain: Sendable, Equatable {
    /// The certificates, in the order given.
    public var certificates: [CredentialCertificate]

    /// Wraps certificates in this order.
    public init(_ certificates: [CredentialCertificate]) {
        self.certificates = certificates
    }

    /// Reads one certificate or a bundle from PEM or DER bytes (DER: certificates one after another).
    ///
    /// Throws a precise `CredentialError` for garbage, truncated PEM, bad base64, a key or a CSR.
    public init(bytes: [UInt8]) throws(CredentialError) {
        let file = try CredentialFile(bytes: bytes)
        self = try file.certificateChain()
    }

    /// The first certificate (the leaf of a client chain).
    public var leaf: CredentialCertificate? { certificates.first }
    /// How many certificates.
    public var count: Int { certificates.count }

    /// The DER of each certificate, in order: what `NIOSSLCertificate(bytes:format: .der)` takes.
    public var derBytes: [[UInt8]] { certificates.map(\.derBytes) }
    /// The certificates' DER one after another (the DER form of a bundle).
    public var concatenatedDER: [UInt8] { certificates.flatMap(\.derBytes) }
    /// The certificates as PEM, each block ending with a newline.
    public var pemString: String { certificates.map(\.pemString).joined() }
    /// Sum of the DER sizes.
    public var derSize: Int { certificates.reduce(0) { $0 + $1.derSize } }
    /// Sum of the PEM sizes.
    public var pemSize: Int { certificates.reduce(0) { $0 + $1.pemSize } }

    /// For each adjacent pair, whether the first was issued by the second (names and signature).
    public var links: [ChainLink] {
        zip(certificates, certificates.dropFirst()).enumerated().map { index, pair in
            let (certificate, next) = pair
            let problem = certificate.isIssued(by: next)
            return ChainLink(
                position: index + 1, subject: certificate.subject, nextSubject: next.subject,
                namesMatch: certificate.certificate.issuer.sameName(as: next.certificate.subject),
                signatureVerifies: problem == nil, problem: problem)
        }
    }

    /// Whether each certificate is issued by the next (trivially true for one certificate).
    public var isOrderedChain: Bool { links.allSatisfy(\.isValid) }

    /// Throws `.chainOutOfOrder` for the first link that does not hold.
    public func requireOrderedChain() throws(CredentialError) {
        if let broken = links.first(where: { !$0.isValid }) {
            throw .chainOutOfOrder(
                position: broken.position, subject: broken.subject, next: broken.nextSubject,
                reason: broken.problem ?? "")
        }
    }
}
