import Foundation
import Testing

@testable import UplinkCredentials

@Suite("Reading certificates and keys", .timeLimit(.minutes(1)))
struct ParsingTests {
    // MARK: Accepted

    @Test func certificatePEMAndDER() throws {
        let set = try Fixtures.rsaSet()
        let pem = try CertificateChain(bytes: set.device.pemString.bytes)
        #expect(pem.count == 1)
        #expect(pem.leaf == set.device)
        let der = try CertificateChain(bytes: set.device.derBytes)
        #expect(der.leaf == set.device)
        #expect(try CredentialFile(bytes: set.device.derBytes).encoding == .der)
        #expect(try CredentialFile(bytes: set.device.pemString.bytes).encoding == .pem)
    }

    @Test func bundleInPEMAndConcatenatedDER() throws {
        let set = try Fixtures.rsaSet()
        let pem = try CertificateChain(bytes: (set.device.pemString + set.jitrCA.pemString).bytes)
        #expect(pem.count == 2)
        #expect(pem.isOrderedChain)
        let der = try CertificateChain(bytes: set.device.derBytes + set.jitrCA.derBytes)
        #expect(der.certificates == pem.certificates)
        let reversed = CertificateChain([set.jitrCA, set.device])
        #expect(!reversed.isOrderedChain)
        #expect(throws: CredentialError.self) { try reversed.requireOrderedChain() }
    }

    @Test func pemWithCRLFCommentsAndNoFinalNewline() throws {
        let set = try Fixtures.rsaSet()
        var text = "subject=CN = device-0001\r\n" + set.device.pemString.replacingOccurrences(of: "\n", with: "\r\n")
        text.removeLast()  // "\r\n" is one Character: no final line break
        #expect(!text.hasSuffix("\n"))
        #expect(try CertificateChain(bytes: text.bytes).leaf == set.device)
    }

    /// Keys made by OpenSSL (the real peer) in every format and encoding.
    @Test(arguments: [
        ("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048", "pkcs8", KeyAlgorithm.rsa(bits: 2048)),
        ("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048", "traditional", KeyAlgorithm.rsa(bits: 2048)),
        ("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256", "pkcs8", KeyAlgorithm.ec(.p256)),
        ("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256", "traditional", KeyAlgorithm.ec(.p256)),
        ("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384", "traditional", KeyAlgorithm.ec(.p384)),
    ])
    func opensslKeys(generate: String, form: String, algorithm: KeyAlgorithm) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let key = folder.file("key.pem")
        #expect(try openssl(generate.split(separator: " ").map(String.init) + ["-out", key]).status == 0)
        let tool = algorithm.isRSA ? "rsa" : "ec"
        let formats: [(String, [String])]
        if form == "pkcs8" {
            formats = [
                ("pem", ["pkcs8", "-topk8", "-nocrypt", "-in", key]),
                ("der", ["pkcs8", "-topk8", "-nocrypt", "-outform", "DER", "-in", key]),
            ]
        } else {
            // `openssl ec` writes SEC1 by default; `openssl rsa` needs -traditional for PKCS#1.
            let traditional = algorithm.isRSA ? ["-traditional"] : []
            formats = [
                ("pem", [tool, "-in", key] + traditional),
                ("der", [tool, "-outform", "DER", "-in", key] + traditional),
            ]
        }
        let expectedFormat: PrivateKeyFormat = form == "pkcs8" ? .pkcs8 : (algorithm.isRSA ? .pkcs1 : .sec1)
        for (encoding, arguments) in formats {
            let result = try openssl(arguments)
            #expect(result.status == 0, "\(result.error)")
            let parsed = try CredentialKey(bytes: result.outputBytes)
            #expect(parsed.algorithm == algorithm)
            #expect(parsed.format == expectedFormat)
            #expect(parsed.encoding == (encoding == "pem" ? .pem : .der))
            if encoding == "der" {
                // We write back exactly what OpenSSL wrote.
                #expect(parsed.derBytes == result.outputBytes)
            } else {
                #expect(parsed.pemString.bytes == result.outputBytes)
            }
        }
    }

    @Test func generatedKeysInEveryFormat() throws {
        for algorithm in [KeyAlgorithm.ecP256, .ec(.p384)] {
            let key = try CredentialKey.generate(algorithm)
            for format in [PrivateKeyFormat.pkcs8, .sec1] {
                let der = try key.derBytes(format)
                let back = try CredentialKey(bytes: der)
                #expect(back.format == format)
                #expect(back.pkcs8DERBytes == key.pkcs8DERBytes)
                let pem = try CredentialKey(bytes: try key.pemString(format).bytes)
                #expect(pem.traditionalDERBytes == key.traditionalDERBytes)
            }
            #expect(throws: CredentialError.unsupportedConversion("PKCS#1 holds RSA keys, this is \(algorithm)")) {
                try key.derBytes(.pkcs1)
            }
        }
        let p256 = try CredentialKey.generate(.ecP256)
        #expect(p256.traditionalDERBytes.count == 121)
        #expect(p256.pkcs8DERBytes.count == 138)
    }

    // MARK: Rejected, with the exact error

    @Test func emptyData() {
        #expect(throws: CredentialError.empty) { try CertificateChain(bytes: []) }
        #expect(throws: CredentialError.empty) { try CredentialKey(bytes: " \n\n".bytes) }
        #expect(CredentialError.empty.description == "empty: there are no bytes")
    }

    @Test func garbage() {
        let bytes: [UInt8] = [0x00, 0x01, 0xFF, 0x47, 0x61, 0x72, 0x62, 0x61, 0x67, 0x65]
        #expect(throws: CredentialError.notPEMOrDER(prefix: Array(bytes.prefix(8)))) {
            try CertificateChain(bytes: bytes)
        }
        #expect(
            CredentialError.notPEMOrDER(prefix: Array(bytes.prefix(8))).description
                == "neither PEM nor DER: the data starts with 00 01 FF 47 61 72 62 61, not '-----BEGIN' or an ASN.1 SEQUENCE (30)"
        )
        #expect(throws: CredentialError.noPEMBlock) { try CredentialKey(bytes: "hello, world\n".bytes) }
    }

    @Test func truncatedPEMWithoutEndLine() throws {
        let set = try Fixtures.rsaSet()
        let lines = set.device.pemString.split(separator: "\n")
        let cut = lines.dropLast(3).joined(separator: "\n") + "\n"
        #expect(throws: CredentialError.pemMissingEnd(label: "CERTIFICATE", line: 1)) {
            try CertificateChain(bytes: cut.bytes)
        }
        #expect(
            CredentialError.pemMissingEnd(label: "CERTIFICATE", line: 1).description
                == "truncated PEM: '-----BEGIN CERTIFICATE-----' at line 1 has no '-----END CERTIFICATE-----' line")
        // A bundle whose first block lost its END line.
        let second =
            set.device.pemString.replacingOccurrences(of: "-----END CERTIFICATE-----\n", with: "")
            + set.jitrCA.pemString
        #expect(throws: CredentialError.pemMissingEnd(label: "CERTIFICATE", line: 1)) {
            try CertificateChain(bytes: second.bytes)
        }
    }

    @Test func truncatedPEMBodyIsTruncatedDER() throws {
        let set = try Fixtures.rsaSet()
        var lines = set.device.pemString.split(separator: "\n").map(String.init)
        lines.remove(at: 5)  // a whole 64-character line: the base64 is fine, the DER is cut
        let text = lines.joined(separator: "\n") + "\n"
        #expect(throws: CredentialError.self) { try CertificateChain(bytes: text.bytes) }
        do {
            _ = try CertificateChain(bytes: text.bytes)
        } catch {
            guard case .derTruncated(object: 1, let announced, let present) = error else {
                Issue.record("expected derTruncated, got \(error)")
                return
            }
            #expect(announced == set.device.derSize)
            #expect(present == set.device.derSize - 48)
        }
    }

    @Test func badBase64() throws {
        let set = try Fixtures.rsaSet()
        var lines = set.device.pemString.split(separator: "\n").map(String.init)
        lines[2] = String(lines[2].prefix(10)) + "%" + String(lines[2].dropFirst(11))
        #expect(
            throws: CredentialError.pemBadBase64(label: "CERTIFICATE", line: 3, reason: "'%' is not a base64 character")
        ) { try CertificateChain(bytes: (lines.joined(separator: "\n") + "\n").bytes) }
        var short = set.device.pemString.split(separator: "\n").map(String.init)
        short[1] = String(short[1].dropLast(1))
        let expected = CredentialError.pemBadBase64(
            label: "CERTIFICATE", line: short.count - 1,
            reason:
                "\(Base64.encode(set.device.derBytes).count - 1) characters is not a multiple of 4 (a line is missing or cut short)"
        )
        #expect(throws: expected) { try CertificateChain(bytes: (short.joined(separator: "\n") + "\n").bytes) }
        #expect(
            expected.description.hasPrefix("bad base64 in PEM block 'CERTIFICATE' at line \(short.count - 1): "))
    }

    @Test func mismatchedAndEmptyBlocks() {
        let mismatched = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END PRIVATE KEY-----\n"
        #expect(throws: CredentialError.pemMismatchedEnd(begin: "CERTIFICATE", end: "PRIVATE KEY", line: 3)) {
            try CertificateChain(bytes: mismatched.bytes)
        }
        let empty = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"
        #expect(throws: CredentialError.pemEmptyBlock(label: "CERTIFICATE", line: 1)) {
            try CertificateChain(bytes: empty.bytes)
        }
    }

    @Test func encryptedKeysAreRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let key = folder.file("key.pem")
        #expect(
            try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]).status == 0
        )
        let pkcs8 = try openssl(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:secret", "-in", key])
        #expect(pkcs8.output.contains("ENCRYPTED PRIVATE KEY"))
        #expect(throws: CredentialError.encryptedKey(form: "ENCRYPTED PRIVATE KEY, PKCS#8 with a password")) {
            try CredentialKey(bytes: pkcs8.outputBytes)
        }
        let traditional = try openssl(["ec", "-aes256", "-passout", "pass:secret", "-in", key])
        #expect(traditional.output.contains("Proc-Type: 4,ENCRYPTED"))
        #expect(throws: CredentialError.encryptedKey(form: "'EC PRIVATE KEY' with Proc-Type: 4,ENCRYPTED")) {
            try CredentialKey(bytes: traditional.outputBytes)
        }
        let der = try openssl([
            "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:secret", "-outform", "DER", "-in", key,
        ])
        #expect(throws: CredentialError.encryptedKey(form: "encrypted PKCS#8 DER")) {
            try CredentialKey(bytes: der.outputBytes)
        }
        #expect(
            CredentialError.encryptedKey(form: "encrypted PKCS#8 DER").description
                .hasPrefix("password-protected keys are not supported (encrypted PKCS#8 DER)"))
    }

    @Test func wrongTypes() throws {
        let set = try Fixtures.rsaSet()
        #expect(throws: CredentialError.wrongType(expected: "a certificate", found: "a private key")) {
            try CertificateChain(bytes: set.deviceKey.pemString.bytes)
        }
        #expect(throws: CredentialError.wrongType(expected: "a certificate", found: "a private key")) {
            try CertificateChain(bytes: set.deviceKey.derBytes)
        }
        #expect(throws: CredentialError.wrongType(expected: "a private key", found: "a certificate")) {
            try CredentialKey(bytes: set.device.pemString.bytes)
        }
        #expect(throws: CredentialError.wrongType(expected: "a private key", found: "2 certificates")) {
            try CredentialKey(bytes: (set.device.pemString + set.jitrCA.pemString).bytes)
        }
        #expect(
            throws: CredentialError.wrongType(
                expected: "certificates only", found: "a private key as well as certificates")
        ) {
            try CertificateChain(bytes: (set.device.pemString + set.deviceKey.pemString).bytes)
        }
        let two = set.deviceKey.pemString + set.jitrKey.pemString
        #expect(throws: CredentialError.multipleKeys(count: 2)) { try CredentialKey(bytes: two.bytes) }
    }

    @Test func certificateSigningRequestsAndPublicKeys() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let key = folder.file("key.pem")
        #expect(
            try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]).status == 0
        )
        let csr = try openssl(["req", "-new", "-key", key, "-subj", "/CN=device-0001"])
        #expect(
            throws: CredentialError.wrongType(
                expected: "a certificate or a private key", found: "a certificate signing request (CSR, line 1)")
        ) { try CertificateChain(bytes: csr.outputBytes) }
        let csrDER = try openssl(["req", "-new", "-key", key, "-subj", "/CN=device-0001", "-outform", "DER"])
        #expect(
            throws: CredentialError.wrongType(expected: "a certificate", found: "a certificate signing request (CSR)")
        ) {
            try CertificateChain(bytes: csrDER.outputBytes)
        }
        let publicKey = try openssl(["pkey", "-in", key, "-pubout"])
        #expect(
            throws: CredentialError.wrongType(
                expected: "a certificate or a private key", found: "a public key (line 1)")
        ) {
            try CredentialKey(bytes: publicKey.outputBytes)
        }
    }

    @Test func truncatedDER() throws {
        let set = try Fixtures.rsaSet()
        let cut = Array(set.device.derBytes.prefix(500))
        #expect(throws: CredentialError.derTruncated(object: 1, announced: set.device.derSize, present: 500)) {
            try CertificateChain(bytes: cut)
        }
        let chainCut = set.device.derBytes + set.jitrCA.derBytes.prefix(100)
        #expect(throws: CredentialError.derTruncated(object: 2, announced: set.jitrCA.derSize, present: 100)) {
            try CertificateChain(bytes: chainCut)
        }
        #expect(throws: CredentialError.derTrailingBytes(count: 3)) {
            try CertificateChain(bytes: set.device.derBytes + [0x00, 0x00, 0x00])
        }
    }

    @Test func unsupportedKeyAlgorithm() throws {
        let result = try openssl(["genpkey", "-algorithm", "ED25519"])
        #expect(throws: CredentialError.unsupportedKeyAlgorithm("Ed25519")) {
            try CredentialKey(bytes: result.outputBytes)
        }
    }
}
