/// The client chain for AWS IoT just-in-time registration: the device certificate, then the CA that issued it.
public enum JITRBundle {
    /// Checks that `ca`'s first certificate issued `device` (names and signature) and is a CA, that any further
    /// CA certificates chain on, and returns the chain leaf first.
    ///
    /// Throws `.wrongType` if `device` holds more than one certificate, `.notIssuedBy` when the CA did not
    /// issue the device certificate, `.notACertificateAuthority`, or `.chainOutOfOrder`.
    public static func make(device: CertificateChain, ca: CertificateChain) throws(CredentialError) -> CertificateChain
    {
        guard device.count == 1, let leaf = device.leaf else {
            throw .wrongType(
                expected: "the device certificate alone",
                found: "\(device.count) certificates; give the device certificate without its chain")
        }
        guard let issuer = ca.leaf else { throw .wrongType(expected: "a CA certificate", found: "nothing") }
        for certificate in ca.certificates where !certificate.isCertificateAuthority {
            throw .notACertificateAuthority(subject: certificate.subject)
        }
        if let problem = leaf.isIssued(by: issuer) {
            throw .notIssuedBy(subject: leaf.subject, issuer: issuer.subject, reason: problem)
        }
        let chain = CertificateChain([leaf] + ca.certificates)
        try chain.requireOrderedChain()
        return chain
    }

    /// `make(device:ca:)` from file contents (PEM or DER); returns the PEM bundle, each block ending with a newline.
    public static func pem(device: [UInt8], ca: [UInt8]) throws(CredentialError) -> String {
        try make(device: CertificateChain(bytes: device), ca: CertificateChain(bytes: ca)).pemString
    }
}
