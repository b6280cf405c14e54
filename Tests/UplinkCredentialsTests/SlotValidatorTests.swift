import Testing

@testable import UplinkCredentials

@Suite("What a host may store in a slot", .timeLimit(.minutes(1)))
struct SlotValidatorTests {
    @Test func overflowSaysSizeAndCapacity() throws {
        let set = try Fixtures.rsaSet()
        let chain = (set.device.pemString + set.jitrCA.pemString).bytes
        var store = CredentialStore(layout: .spwf01Legacy)
        let error = CredentialError.overCapacity(slot: .cert, size: chain.count, capacity: 2048)
        #expect(throws: error) { try store.store(chain, in: .cert) }
        #expect(
            error.description
                == "cert: \(chain.count) bytes do not fit the 2048-byte slot (\(chain.count - 2048) bytes over)")
        #expect(store[.cert] == nil)
    }

    @Test func chainRefusedUnderSPWF01FirmwareThreeFive() throws {
        let set = try Fixtures.rsaSet()
        let chain = set.device.derBytes + set.jitrCA.derBytes  // fits 2048 as DER, but is two certificates
        #expect(chain.count <= 2048)
        var legacy = CredentialStore(layout: .spwf01Legacy)
        #expect(throws: CredentialError.chainNotAllowed(count: 2, profile: "spwf01-3.5")) {
            try legacy.store(chain, in: .cert)
        }
        #expect(
            CredentialError.chainNotAllowed(count: 2, profile: "spwf01-3.5").description
                == "cert: 2 certificates, but profile spwf01-3.5 takes a single certificate in cert")
        var fixed = CredentialStore(layout: .spwf01)
        let content = try fixed.store(chain, in: .cert)
        #expect(content.certificates?.count == 2)
        #expect(content.encoding == .der)
        #expect(fixed.clientChain?.derBytes == [set.device.derBytes, set.jitrCA.derBytes])
    }

    @Test func chainOutOfOrderIsRefused() throws {
        let set = try Fixtures.rsaSet()
        var store = CredentialStore(layout: .spwf04)
        #expect(throws: CredentialError.self) {
            try store.store((set.jitrCA.pemString + set.device.pemString).bytes, in: .cert)
        }
        do {
            try store.store((set.jitrCA.pemString + set.device.pemString).bytes, in: .cert)
        } catch {
            guard case .chainOutOfOrder(position: 1, _, _, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
    }

    @Test func keyMustMatchTheStoredCertificate() throws {
        let set = try Fixtures.rsaSet()
        var store = CredentialStore(layout: .spwf01)
        try store.store(set.device.pemString.bytes, in: .cert)
        let error = CredentialError.keyMismatch(certificate: set.device.subject)
        #expect(throws: error) { try store.store(set.jitrKey.pemString.bytes, in: .key) }
        #expect(
            error.description
                == "the private key does not match the certificate (O=Uplink Development, CN=device-0001): their public keys differ"
                || error.description.hasPrefix("the private key does not match the certificate ("))
        try store.store(set.deviceKey.derBytes, in: .key)
        #expect(store.clientKey?.algorithm == .rsa2048)
        // The other way round: a certificate that does not match the stored key.
        store.clear(.cert)
        #expect(throws: CredentialError.keyMismatch(certificate: set.jitrCA.subject)) {
            try store.store(set.jitrCA.pemString.bytes, in: .cert)
        }
    }

    @Test func wrongTypesAndGarbage() throws {
        let set = try Fixtures.rsaSet()
        var store = CredentialStore(layout: .spwf01)
        #expect(throws: CredentialError.wrongType(expected: "a certificate", found: "a private key")) {
            try store.store(set.deviceKey.pemString.bytes, in: .ca)
        }
        #expect(throws: CredentialError.wrongType(expected: "a private key", found: "a certificate")) {
            try store.store(set.device.derBytes, in: .key)
        }
        #expect(throws: CredentialError.empty) { try store.store([], in: .ca) }
        #expect(throws: CredentialError.noPEMBlock) { try store.store("not a certificate".bytes, in: .ca) }
        #expect(store.usedBytes == 0)
    }

    @Test func acceptedMaterialAndDomain() throws {
        let pki = try Fixtures.ecPKI()
        var store = CredentialStore(layout: .spwf01Legacy)
        try store.store(pki.root.certificate.pemString.bytes, in: .ca)
        try store.store(pki.devices[0].certificate.pemString.bytes, in: .cert)
        try store.store(Array(try pki.devices[0].key.pemString(.sec1).utf8), in: .key)
        try store.store("localhost".bytes, in: .domain)
        #expect(store.trustRoots.map(\.derBytes) == [pki.root.certificate.derBytes])
        #expect(store.clientKey?.pkcs8DERBytes == pki.devices[0].key.pkcs8DERBytes)
        #expect(store.domain == "localhost")
        #expect(store.usedBytes == pki.root.certificate.pemSize + pki.devices[0].certificate.pemSize + 227)
        #expect(
            throws: CredentialError.invalidDomain(
                "bad name", reason: "label 'bad name' has a character other than letters, digits, '-', '_'")
        ) {
            try store.store("bad name".bytes, in: .domain)
        }
        #expect(throws: CredentialError.invalidDomain("a..b", reason: "it has an empty label")) {
            try store.store("a..b".bytes, in: .domain)
        }
        #expect(throws: Never.self) { try store.store("127.0.0.1".bytes, in: .domain) }
    }
}

@Suite("TLS material from the slots", .timeLimit(.minutes(1)))
struct TLSMaterialTests {
    @Test func everythingAsDERInOrder() throws {
        let pki = try Fixtures.ecPKI()
        let deviceCA = try #require(pki.deviceCA)
        var store = CredentialStore(layout: .spwf01)
        #expect(
            throws: CredentialError.slotEmpty(slot: .ca, reason: "a TLS socket needs trust roots to verify the server")
        ) {
            try store.tlsMaterial()
        }
        try store.store(pki.root.certificate.derBytes, in: .ca)
        #expect(try store.tlsMaterial().clientChain.isEmpty)
        try store.store((pki.devices[0].certificate.pemString + deviceCA.certificate.pemString).bytes, in: .cert)
        #expect(
            throws: CredentialError.slotEmpty(slot: .key, reason: "the client certificate in cert has no private key")
        ) {
            try store.tlsMaterial()
        }
        try store.store(Array(pki.devices[0].key.pemString.utf8), in: .key)
        try store.store("localhost".bytes, in: .domain)
        let material = try store.tlsMaterial()
        #expect(material.trustRoots == [pki.root.certificate.derBytes])
        #expect(material.clientChain == [pki.devices[0].certificate.derBytes, deviceCA.certificate.derBytes])
        #expect(material.privateKey == pki.devices[0].key.pkcs8DERBytes)
        #expect(material.domain == "localhost")
        #expect(
            CredentialError.slotEmpty(slot: .ca, reason: "a TLS socket needs trust roots to verify the server")
                .description
                == "ca is empty: a TLS socket needs trust roots to verify the server")
    }
}
