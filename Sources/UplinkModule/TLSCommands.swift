import ATCodec
import UplinkCredentials

extension ModuleEngine {
    static let tlsCommands: [ATCommandSpec] = [
        ATCommandSpec(
            "AT+S.TLSCERT",
            "Store TLS material: <ca|cert|key|f_ca|f_cert|f_key>,<length> (SPWF01) or <ca|cert|key|auth>,<length>"
                + " (SPWF04), then exactly <length> bytes of PEM or DER; SPWF04 content,1 lists, content,2 cleans"
        ) { engine, line throws(ATError) in
            let parts = try engine.requireFields(line, count: 2)
            let target = parts[0].lowercased()
            if engine.dialect.family == .spwf04 && target == "content" {
                switch try engine.integer(parts[1], in: 1...2) {
                case 1:
                    for slot in CredentialSlot.material {
                        engine.emit(
                            engine.dialect.variable(slot.rawValue, String(engine.credentials.flash[slot]?.size ?? 0)))
                    }
                    engine.emit(engine.dialect.variable("auth", String(engine.credentials.authorityKeyID?.count ?? 0)))
                default:
                    try engine.cleanCredentials(ram: false, slots: CredentialSlot.allCases, authority: true)
                }
                engine.emitOK()
                return .done
            }
            guard let (slot, inFlash) = engine.credentialSlot(named: target, allowAuthority: true) else {
                throw .invalidArguments
            }
            // SPWF04: a second field that is not a number names a file of the module's volume (see "Files").
            if engine.dialect.files.createCarriesData && !parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                let bytes = try engine.credentialFile(String(parts[1]))
                try engine.storeCredentialBytes(bytes, slot: slot, flash: inFlash)
                engine.emitOK()
                return .done
            }
            let length = try engine.integer(parts[1], in: 1...16_384)
            return .awaitBlock(length: length) { bytes throws(ATError) in
                try engine.storeCredentialBytes(bytes, slot: slot, flash: inFlash)
                engine.emitOK()
                return .done
            }
        },
        ATCommandSpec("AT+S.TLSCERT2", [.spwf01], "Clean TLS material: clean,<all|ca|cert|key|domain|f_ca|...>") {
            engine, line throws(ATError) in
            let parts = try engine.requireFields(line, count: 2)
            guard parts[0].lowercased() == "clean" else { throw .invalidArguments }
            let target = parts[1].lowercased()
            if target == "all" {
                try engine.cleanCredentials(ram: true, slots: CredentialSlot.allCases, authority: false)
                try engine.cleanCredentials(ram: false, slots: CredentialSlot.allCases, authority: false)
            } else {
                guard let (found, inFlash) = engine.credentialSlot(named: target, allowAuthority: false),
                    let slot = found
                else { throw .invalidArguments }
                try engine.cleanCredentials(ram: !inFlash, slots: [slot], authority: false)
            }
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.TLSDOMAIN", [.spwf01], "Set the name the server must carry: <domain|f_domain>,<name>") {
            engine, line throws(ATError) in
            let parts = try engine.requireFields(line, count: 2)
            let inFlash: Bool
            switch parts[0].lowercased() {
            case "domain": inFlash = false
            case "f_domain": inFlash = true
            default: throw .invalidArguments
            }
            try engine.storeCredential(Array(parts[1].utf8), in: .domain, flash: inFlash)
            engine.emitOK()
            return .done
        },
    ]

    /// Stores TLSCERT bytes: the SPWF04 `auth` key identifier when `slot` is `nil`, else a credential slot.
    func storeCredentialBytes(_ bytes: [UInt8], slot: CredentialSlot?, flash inFlash: Bool) throws(ATError) {
        if let slot {
            try storeCredential(bytes, in: slot, flash: inFlash)
        } else {
            try persist("tls.auth", bytes)
            credentials.authorityKeyID = bytes
        }
    }

    /// Maps a TLSCERT slot name to (slot, in flash); `auth` gives a `nil` slot (SPWF04 only).
    func credentialSlot(named name: String, allowAuthority: Bool) -> (CredentialSlot?, Bool)? {
        switch (dialect.family, name) {
        case (.spwf01, "ca"): return (.ca, false)
        case (.spwf01, "cert"): return (.cert, false)
        case (.spwf01, "key"): return (.key, false)
        case (.spwf01, "domain"): return (.domain, false)
        case (.spwf01, "f_ca"): return (.ca, true)
        case (.spwf01, "f_cert"): return (.cert, true)
        case (.spwf01, "f_key"): return (.key, true)
        case (.spwf01, "f_domain"): return (.domain, true)
        case (.spwf04, "ca"): return (.ca, true)
        case (.spwf04, "cert"): return (.cert, true)
        case (.spwf04, "key"): return (.key, true)
        case (.spwf04, "auth") where allowAuthority: return (nil, true)
        default: return nil
        }
    }

    /// Validates and stores credential bytes; flash slots are written to the flash folder too.
    func storeCredential(_ bytes: [UInt8], in slot: CredentialSlot, flash inFlash: Bool) throws(ATError) {
        do {
            if inFlash {
                let content = try credentials.flash.validate(bytes, for: slot)
                try persist(ModuleCredentials.fileName(slot), content.storedBytes)
                try credentials.flash.store(bytes, in: slot)
            } else {
                try credentials.ram.store(bytes, in: slot)
            }
        } catch let error as CredentialError {
            errorDetail = "\(slot.rawValue)\(inFlash ? " (flash)" : ""): \(error.logDescription)"
            throw .credentialRejected(error)
        } catch let error as ATError {
            throw error
        } catch {
            errorDetail = "\(error)"
            throw .flashWriteFailed
        }
    }

    func cleanCredentials(ram: Bool, slots: [CredentialSlot], authority: Bool) throws(ATError) {
        for slot in slots {
            if ram {
                credentials.ram.clear(slot)
            } else {
                try persist(ModuleCredentials.fileName(slot), [])
                credentials.flash.clear(slot)
            }
        }
        if authority {
            try persist("tls.auth", [])
            credentials.authorityKeyID = nil
        }
    }

    func persist(_ name: String, _ bytes: [UInt8]) throws(ATError) {
        do {
            try flash.write(name, bytes)
        } catch {
            errorDetail = "\(name): \(error)"
            throw .flashWriteFailed
        }
    }
}
