import Testing

@testable import UplinkCredentials

@Suite("External data never crashes the reader")
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

    @Test func flippedBytes() throws {
        let pki = try Fixtures.ecPKI()
        var generator = SystemRandomNumberGenerator()
        for sample in [pki.devices[0].certificate.derBytes, pki.devices[0].key.pkcs8DERBytes] {
            for _ in 0..<500 {
                var bytes = sample
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(
                        in: 0...255, using: &generator)
                }
                _ = try? CredentialFile(bytes: bytes)
                _ = try? SlotLayout.spwf01.validate(bytes, for: .cert)
            }
        }
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0...300, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? CredentialFile(bytes: [0x30] + bytes)
            _ = try? CredentialFile(bytes: Array("-----BEGIN CERTIFICATE-----\n".utf8) + bytes)
        }
    }
}
