/// Checks what a host stores into a slot, as the module does at `AT+S.TLSCERT` / `AT+S.TLSDOMAIN` time.
extension SlotLayout {
    /// Accepts `bytes` (PEM or DER, exactly as sent) for `slot`, or throws a precise `CredentialError`:
    /// - `.overCapacity` when the bytes exceed the slot (checked first: the limit counts the bytes as stored);
    /// - `.empty`, `.noPEMBlock`, `.notPEMOrDER`, `.pemMissingEnd`, `.pemBadBase64`, `.derTruncated`, `.malformed`
    ///   when they do not parse; `.encryptedKey` for a password-protected key;
    /// - `.wrongType` for a key in `ca`/`cert`, a certificate in `key`, and so on;
    /// - `.chainNotAllowed` for several certificates in `cert` when the layout takes one;
    ///   `.chainOutOfOrder` when a chain in `cert` is not leaf first, each issued by the next;
    /// - `.keyMismatch` when `counterpart` (the stored `cert` for a key, the stored `key` for a certificate)
    ///   holds another public key;
    /// - `.invalidDomain` for a domain that is not a host name or IP address.
    public func validate(
        _ bytes: [UInt8], for slot: CredentialSlot, counterpart: SlotContent? = nil
    ) throws(CredentialError) -> SlotContent {
        let capacity = capacity(of: slot)
        guard bytes.count <= capacity else { throw .overCapacity(slot: slot, size: bytes.count, capacity: capacity) }
        switch slot {
        case .domain:
            let name = try SlotLayout.validateDomain(bytes)
            return SlotContent(slot: slot, storedBytes: bytes, encoding: nil, material: .domain(name))
        case .ca:
            let file = try CredentialFile(bytes: bytes)
            let chain = try file.certificateChain()
            return SlotContent(slot: slot, storedBytes: bytes, encoding: file.encoding, material: .certificates(chain))
        case .cert:
            let file = try CredentialFile(bytes: bytes)
            let chain = try file.certificateChain()
            if chain.count > 1 {
                guard allowsChainInCert else { throw .chainNotAllowed(count: chain.count, profile: profile) }
                try chain.requireOrderedChain()
            }
            if let key = counterpart?.privateKey, let leaf = chain.leaf, !key.matches(leaf) {
                throw .keyMismatch(certificate: leaf.subject)
            }
            return SlotContent(slot: slot, storedBytes: bytes, encoding: file.encoding, material: .certificates(chain))
        case .key:
            let file = try CredentialFile(bytes: bytes)
            let key = try file.singleKey()
            if let leaf = counterpart?.certificates?.leaf, !key.matches(leaf) {
                throw .keyMismatch(certificate: leaf.subject)
            }
            return SlotContent(slot: slot, storedBytes: bytes, encoding: file.encoding, material: .privateKey(key))
        }
    }

    /// A host name (labels of letters, digits, `-`, `_`, `*`; at most 253 bytes) or an IP address.
    static func validateDomain(_ bytes: [UInt8]) throws(CredentialError) -> String {
        let name = String(decoding: bytes, as: UTF8.self)
        guard !bytes.isEmpty else { throw .invalidDomain(name, reason: "it is empty") }
        if IPAddressText.parse(name) != nil { return name }
        guard bytes.count <= 253 else {
            throw .invalidDomain(name, reason: "\(bytes.count) bytes, a name has at most 253")
        }
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty else { throw .invalidDomain(name, reason: "it has an empty label") }
            guard label.utf8.count <= 63 else {
                throw .invalidDomain(name, reason: "label '\(label)' is \(label.utf8.count) bytes, at most 63")
            }
            guard
                label.utf8.allSatisfy({
                    ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D
                        || $0 == 0x5F || $0 == 0x2A
                })
            else {
                throw .invalidDomain(
                    name, reason: "label '\(label)' has a character other than letters, digits, '-', '_'")
            }
        }
        return name
    }
}
