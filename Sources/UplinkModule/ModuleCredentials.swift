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
    /// Credential data refused at TLSCERT / TLSDOMAIN time, with the precise reason.
    static func credentialRejected(_ error: CredentialError) -> ATError {
        credentialRejected("\(error)")
    }

    /// A TLS socket without the credentials it needs (no CA, a certificate without its key...).
    static func credentialsMissing(_ error: CredentialError) -> ATError {
        credentialsMissing("\(error)")
    }
}
