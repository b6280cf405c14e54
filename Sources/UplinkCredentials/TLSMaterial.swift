/// What a TLS socket needs from the credential slots, as DER ready for swift-nio-ssl.
///
/// `NIOSSLCertificate(bytes: der, format: .der)` for each of `trustRoots` and `clientChain` (in order, leaf first:
/// the module presents the chain as stored, which JITR needs), `NIOSSLPrivateKey(bytes: privateKey, format: .der)`.
public struct TLSMaterial: Sendable, Equatable {
    /// DER of each trust root in `ca`.
    public var trustRoots: [[UInt8]]
    /// DER of each certificate in `cert`, leaf first; empty without client authentication.
    public var clientChain: [[UInt8]]
    /// PKCS#8 DER of the key in `key`; `nil` without client authentication.
    public var privateKey: [UInt8]?
    /// The name to verify the server against (`domain`), if stored.
    public var domain: String?
}

extension CredentialStore {
    /// The material for a TLS socket. Throws `.slotEmpty` when `ca` is empty (never connect unverified), or when
    /// only one of `cert` and `key` is stored.
    public func tlsMaterial() throws(CredentialError) -> TLSMaterial {
        guard !trustRoots.isEmpty else {
            throw .slotEmpty(slot: .ca, reason: "a TLS socket needs trust roots to verify the server")
        }
        let chain = clientChain?.derBytes ?? []
        let key = clientKey?.pkcs8DERBytes
        if !chain.isEmpty && key == nil {
            throw .slotEmpty(slot: .key, reason: "the client certificate in cert has no private key")
        }
        if chain.isEmpty && key != nil {
            throw .slotEmpty(slot: .cert, reason: "the private key in key has no certificate")
        }
        return TLSMaterial(trustRoots: trustRoots.map(\.derBytes), clientChain: chain, privateKey: key, domain: domain)
    }
}
