import UplinkCredentials

/// libFuzzer entry point for credential parsing (UplinkCredentials over swift-certificates, swift-crypto and
/// swift-asn1): ``PEMBlock/parseAll(_:)``, ``CredentialFile``, ``CertificateChain`` and a slot's validation, as
/// the module runs them on what `AT+S.TLSCERT` receives.
///
/// Every input must parse or throw a ``CredentialError`` with a message. A parsed PEM block must survive its
/// own PEM text (label and body) and have the size ``PEMBlock/pemSize`` says; a parsed certificate must decode
/// again from its DER; a parsed key must re-encode in its format and decode to the same algorithm. The input is
/// also given whole to each slot of the SPWF04 layout: what is accepted must be what the file holds. A
/// violation traps so libFuzzer records the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkPEM(bytes)
    checkFile(bytes)
    checkSlots(bytes)
    return 0
}

private func checkPEM(_ bytes: [UInt8]) {
    let blocks: [PEMBlock]
    do {
        blocks = try PEMBlock.parseAll(bytes)
    } catch {
        check(!error.description.isEmpty, "an empty error message")
        return
    }
    for block in blocks {
        check(!block.derBytes.isEmpty, "an empty PEM block was accepted")
        let text = block.pemString
        check(text.utf8.count == block.pemSize, "pemSize \(block.pemSize) for \(text.utf8.count) bytes")
        guard let again = try? PEMBlock.parseAll(Array(text.utf8)), again.count == 1,
            again[0].label == block.label, again[0].derBytes == block.derBytes
        else { preconditionFailure("the PEM block '\(block.label)' does not survive its own text") }
    }
}

private func checkFile(_ bytes: [UInt8]) {
    let file: CredentialFile
    do {
        file = try CredentialFile(bytes: bytes)
    } catch {
        check(!error.description.isEmpty, "an empty error message")
        return
    }
    check(file.byteCount == bytes.count, "byteCount")
    for certificate in file.certificates {
        guard let again = try? CredentialCertificate(derBytes: certificate.derBytes), again == certificate else {
            preconditionFailure("a certificate does not decode again from its DER")
        }
        _ = certificate.subject
        _ = certificate.issuer
        _ = certificate.serialNumber
        _ = certificate.keyAlgorithm
        _ = certificate.signatureAlgorithm
    }
    for key in file.keys {
        guard let der = try? key.derBytes(key.format),
            let again = try? CredentialKey(derBytes: der, format: key.format), again.algorithm == key.algorithm
        else { preconditionFailure("a key does not survive its own DER") }
        for certificate in file.certificates { _ = key.matches(certificate) }
    }
    if let chain = try? file.certificateChain() {
        check(chain.count == file.certificates.count, "a chain of \(chain.count) from \(file.certificates.count)")
        _ = try? chain.requireOrderedChain()
    }
}

private func checkSlots(_ bytes: [UInt8]) {
    let layout = SlotLayout.spwf04
    for slot in [CredentialSlot.ca, .cert, .key, .domain] {
        let content: SlotContent
        do {
            content = try layout.validate(bytes, for: slot)
        } catch {
            check(!error.description.isEmpty, "an empty error message")
            continue
        }
        check(bytes.count <= layout.capacity(of: slot), "\(bytes.count) bytes accepted in \(slot)")
        check(content.storedBytes == bytes, "the slot stores other bytes than it was given")
        switch slot {
        case .ca, .cert: check(content.certificates != nil, "no certificates in an accepted \(slot)")
        case .key: check(content.privateKey != nil, "no key in an accepted key slot")
        case .domain: break
        }
    }
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { preconditionFailure(message()) }
}
