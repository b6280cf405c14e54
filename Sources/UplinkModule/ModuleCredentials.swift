import ATCodec
import UplinkCredentials

/// The module's TLS credential slots: RAM slots that vanish at reset and flash slots that persist.
///
/// SPWF01 has both (`ca`/`f_ca`, `cert`/`f_cert`, `key`/`f_key`, `domain`/`f_domain`); for each slot a
/// TLS socket uses the RAM copy when there is one, else the flash copy. SPWF04 keeps its credentials
/// in its file system, so its `ca`, `cert` and `key` are flash slots. Flash slots are files of the
/// flash folder (`tls.ca`, ...), written atomically with mode 0600, holding the bytes as sent.
struct ModuleCredentials {
    var ram: CredentialStore
    var flash: CredentialStore
    /// SPWF04 `auth` (the CA's key identifier), kept as sent.
    var authorityKeyID: [UInt8]?

    init(layout: SlotLayout) {
        ram = CredentialStore(layout: layout)
        flash = CredentialStore(layout: layout)
    }

    static func fileName(_ slot: CredentialSlot) -> String { "tls.\(slot.rawValue)" }

    /// Restores the flash slots saved in `storage`; a blob that no longer validates is skipped.
    mutating func loadFlash(from storage: any Flash) {
        flash = CredentialStore(layout: flash.layout)
        // Certificates before keys, so the key's match against its certificate can be checked.
        for slot in [CredentialSlot.ca, .cert, .key, .domain] {
            if let bytes = try? storage.read(Self.fileName(slot)), !bytes.isEmpty {
                _ = try? flash.store(bytes, in: slot)
            }
        }
        authorityKeyID = (try? storage.read("tls.auth")).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The slots a TLS socket uses: RAM where set, else flash.
    func effective() throws(CredentialError) -> CredentialStore {
        var merged = CredentialStore(layout: ram.layout)
        for slot in [CredentialSlot.ca, .cert, .key, .domain] {
            if let content = ram[slot] ?? flash[slot] {
                try merged.store(content.storedBytes, in: slot)
            }
        }
        return merged
    }
}

extension ATError {
    /// The catalogue entry for credential data refused at TLSCERT / TLSDOMAIN time.
    static func credentialRejected(_ error: CredentialError) -> ATError {
        switch error {
        case .overCapacity: return .credentialOverCapacity
        case .empty, .notPEMOrDER, .noPEMBlock, .pemMissingEnd, .pemMismatchedEnd, .pemBadBase64, .pemEmptyBlock,
            .derTruncated, .derTrailingBytes, .malformed:
            return .credentialUnparsable
        case .wrongType: return .credentialWrongType
        case .encryptedKey: return .credentialEncryptedKey
        case .chainOutOfOrder: return .credentialChainOutOfOrder
        case .keyMismatch: return .credentialKeyMismatch
        case .chainNotAllowed: return .credentialChainNotAllowed
        case .unsupportedKeyAlgorithm: return .credentialUnsupportedKey
        case .multipleKeys: return .credentialMultipleKeys
        case .invalidDomain: return .credentialInvalidDomain
        case .layoutOverBudget, .slotEmpty, .invalidLayout, .unknownProfile, .notIssuedBy, .notACertificateAuthority,
            .unsupportedConversion, .invalidOption, .file:
            return .credentialRejected
        }
    }

    /// The catalogue entry for a TLS socket without the credentials it needs (no CA, a certificate without its
    /// key...), found when the socket opens.
    static func credentialsMissing(_ error: CredentialError) -> ATError {
        switch error {
        case .slotEmpty(slot: .ca, _): return .credentialsMissingCA
        case .slotEmpty(slot: .key, _): return .credentialsMissingKey
        case .slotEmpty(slot: .cert, _): return .credentialsMissingCert
        // The RAM copy of one slot and the flash copy of another do not go together.
        case .keyMismatch: return .credentialKeyMismatch
        default: return .credentialsMissing
        }
    }
}

extension CredentialError {
    /// The precise reason, for the module's log: the description, except that nothing of the data itself is
    /// repeated (the first bytes of data that is neither PEM nor DER could be part of a key).
    var logDescription: String {
        if case .notPEMOrDER = self { return "neither PEM nor DER: the data does not start with '-----BEGIN' or 30" }
        return description
    }
}
