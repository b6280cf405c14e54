import CodecTestSupport
import Testing

@testable import UplinkCredentials

@Suite("External data never crashes the reader", .timeLimit(.minutes(1)))
struct RobustnessTests {
    @Test func everyPrefixOfACertificateAndAKey() throws {
        let pki = try Fixtures.ecPKI()
        let samples = [
            pki.devices[0].certificate.derBytes, Array(pki.devices[0].certificate.pemString.utf8),
            pki.devices[0].key.traditionalDERBytes, Array(pki.devices[0].key.pemString.utf8),
        ]
        for sample in samples {
            // A PEM text that lacks only its final newline is complete. (Only PEM: a DER object may end in 0x0A.)
            let isPEM = sample.starts(with: Array("-----BEGIN".utf8))
            let complete = isPEM && sample.last == UInt8(ascii: "\n") ? sample.count - 1 : sample.count
            for length in 0..<complete {
                #expect(throws: CredentialError.self) { try CredentialFile(bytes: Array(sample.prefix(length))) }
            }
            #expect(throws: Never.self) { try CredentialFile(bytes: Array(sample.prefix(complete))) }
        }
    }

    /// Found by `flippedBytes`: a certificate whose EC point is not on the curve was refused with swift-crypto's
    /// `underlyingCoreCryptoError(error: 251658360)`, and bad DER with swift-asn1's type name and source location.
    @Test func libraryErrorsAreNamedNotDumped() throws {
        let pki = try Fixtures.ecPKI()
        var certificate = pki.devices[0].certificate.derBytes
        // The subject public key: BIT STRING of 66 bytes, 0 unused bits, 0x04 (uncompressed point).
        let marker: [UInt8] = [0x03, 0x42, 0x00, 0x04]
        let start = try #require(
            (0...(certificate.count - marker.count)).first { certificate[$0..<$0 + 4].elementsEqual(marker) })
        certificate[start + 10] ^= 0x55
        #expect {
            try CredentialCertificate(derBytes: certificate)
        } throws: { error in
            let text = "\(error)"
            return text == "not a valid certificate: the key or signature data is not valid"
        }
        let badDER: [UInt8] = [0x30, 0x03, 0x02, 0x01]
        #expect {
            try CredentialCertificate(derBytes: badDER)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("not a valid certificate: ") && !text.contains(".swift:") && !text.contains("Error")
        }
    }

    @Test func flippedBytes() throws {
        let pki = try Fixtures.ecPKI()
        var generator = SplitMix64(seed: 0xC3E7_F1A5)
        for sample in [pki.devices[0].certificate.derBytes, pki.devices[0].key.pkcs8DERBytes] {
            for _ in 0..<500 {
                var bytes = sample
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(
                        in: 0...255, using: &generator)
                }
                expectRefusalOrSuccess(bytes) { (bytes) throws(CredentialError) in _ = try CredentialFile(bytes: bytes)
                }
                expectRefusalOrSuccess(bytes) { (bytes) throws(CredentialError) in
                    _ = try SlotLayout.spwf01.validate(bytes, for: .cert)
                }
            }
        }
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0...300, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            expectRefusalOrSuccess([0x30] + bytes) { (bytes) throws(CredentialError) in
                _ = try CredentialFile(bytes: bytes)
            }
            // An unterminated PEM block is always refused, for what it is.
            let pem = Array("-----BEGIN CERTIFICATE-----\n".utf8) + bytes
            #expect(throws: CredentialError.self) { try CredentialFile(bytes: pem) }
            expectRefusalOrSuccess(pem) { (bytes) throws(CredentialError) in _ = try CredentialFile(bytes: bytes) }
        }
    }
}

/// Reads `bytes` with `read`: it succeeds, or throws a ``CredentialError`` that is a parse refusal (not an
/// I/O, option or slot-layout error) with a message fit for a user — one line, no Swift error dump.
private func expectRefusalOrSuccess(
    _ bytes: [UInt8], _ read: ([UInt8]) throws(CredentialError) -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        try read(bytes)
    } catch {
        switch error {
        case .empty, .notPEMOrDER, .noPEMBlock, .pemMissingEnd, .pemMismatchedEnd, .pemBadBase64, .pemEmptyBlock,
            .encryptedKey, .derTruncated, .derTrailingBytes, .malformed, .wrongType, .unsupportedKeyAlgorithm,
            .multipleKeys, .chainNotAllowed, .chainOutOfOrder:
            break
        default:
            Issue.record("not a parse refusal: \(error)", sourceLocation: sourceLocation)
        }
        let message = error.description
        #expect(!message.isEmpty && !message.contains("\n"), "\(message)", sourceLocation: sourceLocation)
        #expect(
            !message.contains("Error(") && !message.contains("Error."), "a Swift error dump: \(message)",
            sourceLocation: sourceLocation)
        #expect(!message.contains(".swift:"), "a source location: \(message)", sourceLocation: sourceLocation)
    }
}
