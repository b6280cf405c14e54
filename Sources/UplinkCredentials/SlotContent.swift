/// What a slot holds once accepted: the bytes exactly as stored, and the material parsed from them.
public struct SlotContent: Sendable {
    /// The parsed material of a slot.
    public enum Material: Sendable {
        /// Trust roots (`ca`) or the client certificate / chain (`cert`), in order.
        case certificates(CertificateChain)
        /// The client private key.
        case privateKey(CredentialKey)
        /// The expected server name.
        case domain(String)
    }

    /// The slot.
    public var slot: CredentialSlot
    /// The bytes as sent by the host (PEM or DER); the slot's limit counts these.
    public var storedBytes: [UInt8]
    /// PEM or DER; `nil` for the domain.
    public var encoding: CredentialEncoding?
    /// The parsed material.
    public var material: Material

    /// The number of bytes stored.
    public var size: Int { storedBytes.count }

    /// The certificates, for `ca` and `cert`.
    public var certificates: CertificateChain? {
        if case .certificates(let chain) = material { return chain }
        return nil
    }

    /// The key, for `key`.
    public var privateKey: CredentialKey? {
        if case .privateKey(let key) = material { return key }
        return nil
    }

    /// The name, for `domain`.
    public var domain: String? {
        if case .domain(let name) = material { return name }
        return nil
    }
}
