import Foundation

/// Whether a CA, a device certificate (with its JITR CA) and a key fit a profile's slots, and what makes them fit.
///
/// Every number is computed from the material: sizes as given and as DER, EC P-256 sizes from certificates
/// generated with the same names, Amazon Root CA 3 from its measured size (`AmazonRootCA`). The plan is the
/// cheapest set of changes whose recomputed table fits.
public struct FitAnalysis: Codable, Sendable {
    /// The profile.
    public var profile: String
    /// The layout analysed (the profile's, or `--slots`).
    public var layout: SlotLayout
    /// Each slot as given.
    public var slots: [FitSlotUsage]
    /// Bytes as given in all slots.
    public var total: Int
    /// Bytes as DER in all slots.
    public var totalDER: Int
    /// The flash budget.
    public var budget: Int
    /// Whether the material fits as given and passes the checks the module makes when storing it.
    public var fits: Bool
    /// `fits` or `does not fit`.
    public var verdict: String
    /// Why it does not fit.
    public var problems: [String]
    /// Key match, chain order, validity, usage.
    public var checks: [FitCheck]
    /// Every change that applies, with the bytes it saves.
    public var changes: [FitChange]
    /// The cheapest set of changes that fits, recomputed; `nil` when it fits already or nothing fits.
    public var plan: FitPlan?
    /// Other minimal sets of changes that fit (up to three).
    public var alternatives: [FitPlan]
    /// Remarks (e.g. why no plan exists).
    public var notes: [String]

    /// Analyses a request. Throws `.file(path:reason:)` naming the input that does not parse.
    public static func analyze(_ request: FitRequest, now: Date = Date()) throws(CredentialError) -> FitAnalysis {
        func read(_ input: FitRequest.Input) throws(CredentialError) -> CredentialFile {
            do {
                return try CredentialFile(bytes: input.bytes)
            } catch {
                throw .file(path: input.name, reason: error.description)
            }
        }
        func chain(_ input: FitRequest.Input) throws(CredentialError) -> (CertificateChain, CredentialEncoding) {
            let file = try read(input)
            do {
                return (try file.certificateChain(), file.encoding)
            } catch {
                throw .file(path: input.name, reason: error.description)
            }
        }
        let (caChain, caEncoding) = try chain(request.ca)
        let (certChain, certEncoding) = try chain(request.cert)
        let keyFile = try read(request.key)
        let key: CredentialKey
        do { key = try keyFile.singleKey() } catch { throw .file(path: request.key.name, reason: error.description) }
        var jitr: (CertificateChain, CredentialEncoding)?
        if let input = request.jitrCA { jitr = try chain(input) }

        guard let leaf = certChain.leaf else { throw .file(path: request.cert.name, reason: "no certificate") }
        // The client chain: the cert file's certificates, then the JITR CA unless the file already ends with it.
        var chainCAs = Array(certChain.certificates.dropFirst())
        var jitrAdded = false
        if let (jitrChain, _) = jitr {
            for certificate in jitrChain.certificates where !chainCAs.contains(certificate) {
                chainCAs.append(certificate)
                jitrAdded = true
            }
        }
        let clientChain = CertificateChain([leaf] + chainCAs)

        var analysis = FitAnalysis(
            profile: request.layout.profile, layout: request.layout, slots: [], total: 0, totalDER: 0,
            budget: request.layout.budget, fits: false, verdict: "", problems: [], checks: [], changes: [], plan: nil,
            alternatives: [], notes: [])
        analysis.checks = checks(leaf: leaf, chain: clientChain, key: key, ca: caChain, now: now)

        // Sizes as given.
        var certGivenBytes = request.cert.bytes.count
        if jitrAdded, let (jitrChain, jitrEncoding) = jitr, let input = request.jitrCA {
            certGivenBytes +=
                jitrEncoding == certEncoding
                ? input.bytes.count : (certEncoding == .pem ? jitrChain.pemSize : jitrChain.derSize)
        }
        func piece(_ certificate: CredentialCertificate, role: String) -> FitModel.Piece {
            let name = certificate.commonName ?? certificate.subject
            return FitModel.Piece(
                label: "\(role)\(name) (\(certificate.keyAlgorithm))", pem: certificate.pemSize,
                der: certificate.derSize)
        }
        var model = FitModel(
            layout: request.layout,
            caPieces: caChain.certificates.map { piece($0, role: "") },
            caRoots: caChain.certificates.map(AmazonRootCA.identify),
            caGiven: .init(bytes: request.ca.bytes.count, encoding: caEncoding),
            leaf: piece(leaf, role: "device "),
            chainCAs: chainCAs.map { piece($0, role: "JITR CA ") },
            certGiven: .init(bytes: certGivenBytes, encoding: certEncoding),
            key: keySizes(key),
            keyGiven: .init(bytes: request.key.bytes.count, encoding: keyFile.encoding))

        let usesRSA = key.algorithm.isRSA || leaf.keyAlgorithm.isRSA || chainCAs.contains { $0.keyAlgorithm.isRSA }
        if usesRSA {
            try estimateEC(into: &model, leaf: leaf, chainCAs: chainCAs, key: key)
        }

        guard let asGiven = model.slots([]) else { throw .invalidOption("no slot table") }
        analysis.slots = asGiven.slots
        analysis.total = asGiven.slots.reduce(0) { $0 + $1.bytes }
        analysis.totalDER = asGiven.slots.reduce(0) { $0 + $1.derBytes }
        let checksPass = !analysis.checks.contains { $0.status == .fail }
        let sizesFit = asGiven.slots.allSatisfy(\.fits) && analysis.total <= analysis.budget
        analysis.problems = asGiven.slots.filter { !$0.fits }.map { row in
            var text = "\(row.slot)"
            if row.bytes > row.capacity {
                text += " \(row.bytes) bytes, \(row.bytes - row.capacity) over its \(row.capacity)"
            }
            if row.slot == .cert && row.certificateCount > 1 && !request.layout.allowsChainInCert {
                text +=
                    (row.bytes > row.capacity ? ";" : ":")
                    + " \(row.certificateCount) certificates, \(request.layout.profile) takes one"
            }
            return text
        }
        analysis.problems += analysis.checks.filter { $0.status == .fail }.map { "\($0.name): \($0.detail)" }
        analysis.fits = sizesFit && checksPass
        analysis.verdict = analysis.fits ? "fits" : "does not fit"

        analysis.changes = changes(
            model: model, slots: asGiven.slots, leaf: leaf, chainCAs: chainCAs, key: key, caChain: caChain)
        if !sizesFit {
            let plans = plans(model: model, kinds: analysis.changes.map(\.kind), titles: analysis.changes)
            analysis.plan = plans.first
            analysis.alternatives = Array(plans.dropFirst().prefix(3))
            if plans.isEmpty {
                analysis.notes.append(
                    "No combination of these changes fits \(request.layout.profile)'s \(request.layout.budget)-byte budget; "
                        + "a profile with 4 KB slots (spwf01, spwf04) holds more.")
            }
        }
        if key.algorithm.isRSA, request.layout.key < key.traditionalDERBytes.count {
            analysis.notes.append(
                "An \(key.algorithm) key takes at least \(key.traditionalDERBytes.count) bytes in any standard encoding "
                    + "(\(key.traditionalFormat) DER); a \(request.layout.key)-byte key slot holds it only as EC "
                    + "(P-256: 121 bytes SEC1 DER).")
        }
        if !checksPass {
            analysis.notes.append("The module refuses this set when it is stored: fix the failed checks first.")
        }
        return analysis
    }

    // MARK: Checks

    private static func checks(
        leaf: CredentialCertificate, chain: CertificateChain, key: CredentialKey, ca: CertificateChain, now: Date
    ) -> [FitCheck] {
        var checks = [FitCheck]()
        checks.append(
            key.matches(leaf)
                ? FitCheck(name: "key matches certificate", status: .pass, detail: leaf.subject)
                : FitCheck(
                    name: "key matches certificate", status: .fail,
                    detail: "the key's public key is not \(leaf.subject)'s"))
        for link in chain.links {
            checks.append(
                FitCheck(
                    name: "chain order \(link.position)→\(link.position + 1)", status: link.isValid ? .pass : .fail,
                    detail: link.problem ?? "\(link.nextSubject) issued \(link.subject)"))
        }
        switch leaf.validity(at: now) {
        case .valid:
            checks.append(
                FitCheck(
                    name: "device certificate validity", status: .pass,
                    detail: "valid until \(ISODate.format(leaf.notAfter))"))
        case .expired:
            checks.append(
                FitCheck(
                    name: "device certificate validity", status: .warning,
                    detail: "expired on \(ISODate.format(leaf.notAfter))"))
        case .notYetValid:
            checks.append(
                FitCheck(
                    name: "device certificate validity", status: .warning,
                    detail: "valid only from \(ISODate.format(leaf.notBefore))"))
        }
        let usages = leaf.extendedKeyUsages
        if !usages.isEmpty && !usages.contains("clientAuth") {
            checks.append(
                FitCheck(
                    name: "client authentication", status: .warning,
                    detail: "EKU is \(usages.joined(separator: ", ")), without clientAuth"))
        }
        for certificate in ca.certificates where !certificate.isCertificateAuthority && !certificate.isSelfSigned {
            checks.append(
                FitCheck(
                    name: "trust root", status: .warning,
                    detail: "\(certificate.subject) is neither a CA nor self-signed"))
        }
        return checks
    }

    // MARK: Sizes

    private static func keySizes(_ key: CredentialKey) -> FitModel.KeySizes {
        var sizes = [PrivateKeyFormat: FitModel.Piece]()
        for format in [PrivateKeyFormat.pkcs8, key.traditionalFormat] {
            let der = (try? key.derBytes(format))?.count ?? 0
            sizes[format] = FitModel.Piece(
                label: "\(key.algorithm) key", pem: PEMBlock.pemSize(label: format.pemLabel, derCount: der), der: der)
        }
        return FitModel.KeySizes(
            label: "\(key.algorithm) key", given: key.format, traditional: key.traditionalFormat, sizes: sizes)
    }

    /// Generates EC P-256 stand-ins with the same names (and extensions) and measures them.
    private static func estimateEC(
        into model: inout FitModel, leaf: CredentialCertificate, chainCAs: [CredentialCertificate], key: CredentialKey
    ) throws(CredentialError) {
        let deviceKey = try CredentialKey.generate(.ecP256)
        var ecKey = keySizes(deviceKey)
        ecKey.given = key.format == .pkcs8 ? .pkcs8 : .sec1
        model.ecKey = ecKey

        var signers = [String: CredentialKey]()
        func signer(like certificate: CredentialCertificate) throws(CredentialError) -> CredentialKey {
            let algorithm: KeyAlgorithm
            switch certificate.signatureAlgorithm {
            case "ecdsa-with-SHA384": algorithm = .ec(.p384)
            case "ecdsa-with-SHA512": algorithm = .ec(.p521)
            case let name where name.contains("RSA"):
                algorithm = .rsa(bits: certificate.certificate.signature.rawRepresentation.count * 8)
            default: algorithm = .ec(.p256)
            }
            if let existing = signers[algorithm.description] { return existing }
            let made = try CredentialKey.generate(algorithm)
            signers[algorithm.description] = made
            return made
        }

        // The JITR CA(s): re-made as EC P-256, each signed by the next (the last by itself if self-signed).
        var caKeys = [CredentialKey]()
        for _ in chainCAs { caKeys.append(try CredentialKey.generate(.ecP256)) }
        var ecCAs = [FitModel.Piece]()
        for (index, certificate) in chainCAs.enumerated() {
            let signingKey: CredentialKey
            if index + 1 < caKeys.count {
                signingKey = caKeys[index + 1]
            } else if certificate.isSelfSigned {
                signingKey = caKeys[index]
            } else {
                signingKey = try signer(like: certificate)
            }
            let made = try CertificateFactory.reissue(certificate, for: caKeys[index].publicKey, signedBy: signingKey)
            let name = certificate.commonName ?? certificate.subject
            ecCAs.append(.init(label: "JITR CA \(name) (EC P-256, estimated)", pem: made.pemSize, der: made.derSize))
        }
        let leafSigner: CredentialKey
        if let first = caKeys.first { leafSigner = first } else { leafSigner = try signer(like: leaf) }
        let ecLeaf = try CertificateFactory.reissue(leaf, for: deviceKey.publicKey, signedBy: leafSigner)
        let name = leaf.commonName ?? leaf.subject
        model.ecLeaf = .init(label: "device \(name) (EC P-256, estimated)", pem: ecLeaf.pemSize, der: ecLeaf.derSize)
        model.ecChainCAs = ecCAs
    }

    // MARK: Changes and plans

    private static func changes(
        model: FitModel, slots: [FitSlotUsage], leaf: CredentialCertificate, chainCAs: [CredentialCertificate],
        key: CredentialKey, caChain: CertificateChain
    ) -> [FitChange] {
        let given = slots.reduce(0) { $0 + $1.bytes }
        func outcome(_ kind: FitChange.Kind) -> (saved: Int, fits: Bool, slots: [FitSlotUsage], layout: SlotLayout?) {
            guard let result = model.slots([kind]) else { return (0, false, [], nil) }
            let total = result.slots.reduce(0) { $0 + $1.bytes }
            return (given - total, result.slots.allSatisfy(\.fits), result.slots, result.layout)
        }
        func arrows(_ after: [FitSlotUsage]) -> String {
            zip(slots, after).filter { $0.bytes != $1.bytes }.map { "\($0.slot) \($0.bytes)→\($1.bytes)" }
                .joined(separator: ", ")
        }
        var changes = [FitChange]()

        if slots.contains(where: { $0.encoding == .pem }) {
            let result = outcome(.der)
            changes.append(
                FitChange(
                    kind: .der, title: "DER instead of PEM", detail: arrows(result.slots), bytesSaved: result.saved,
                    fitsAlone: result.fits, caveat: "the module must accept DER (Uplink's does)"))
        }
        if key.format == .pkcs8 {
            let result = outcome(.traditionalKey)
            changes.append(
                FitChange(
                    kind: .traditionalKey, title: "key as \(key.traditionalFormat) instead of PKCS#8",
                    detail: arrows(result.slots), bytesSaved: result.saved, fitsAlone: result.fits, caveat: nil))
        }
        if slots.contains(where: { !$0.fits }) {
            let result = outcome(.slotLayout)
            if let layout = result.layout {
                let profileDefault = (try? SlotLayout.profile(named: layout.profile)) ?? model.layout
                let sameSizes =
                    (layout.ca, layout.cert, layout.key) == (profileDefault.ca, profileDefault.cert, profileDefault.key)
                let title =
                    sameSizes && !profileDefault.allowsChainInCert
                    ? "slot layout \(layout) with a chain allowed in cert" : "slot layout \(layout)"
                changes.append(
                    FitChange(
                        kind: .slotLayout, title: title,
                        detail: "same \(layout.budget)-byte budget: --slots \(layout)", bytesSaved: 0,
                        fitsAlone: result.fits,
                        caveat: "a firmware with a configurable layout (it takes a chain in cert)"))
            } else {
                let needed = slots.reduce(0) { $0 + $1.bytes }
                changes.append(
                    FitChange(
                        kind: .slotLayout, title: "another slot layout in the same budget",
                        detail: "not alone: \(needed) bytes as given exceed the \(model.layout.budget)-byte budget; "
                            + "combined with smaller material (see plan)",
                        bytesSaved: 0, fitsAlone: false,
                        caveat: "a firmware with a configurable layout (it takes a chain in cert)"))
            }
        }
        if model.caRoots.contains(.rootCA1) {
            let result = outcome(.amazonRootCA3)
            let root1 = AmazonRootCA.rootCA1
            let root3 = AmazonRootCA.rootCA3
            let replaces =
                model.caRoots.contains(.rootCA3)
                ? "drop Amazon Root CA 1 (Root CA 3 is there)" : "Amazon Root CA 3 instead of Root CA 1"
            changes.append(
                FitChange(
                    kind: .amazonRootCA3, title: replaces,
                    detail: "\(arrows(result.slots)); Root CA 3 is \(root3.pemSize) bytes PEM / \(root3.derSize) DER, "
                        + "Root CA 1 \(root1.pemSize) / \(root1.derSize) (measured, Debian ca-certificates)",
                    bytesSaved: result.saved, fitsAlone: result.fits,
                    caveat: "AWS IoT sends the chain to Root CA 3 only for ECDHE-ECDSA suites: "
                        + "the module must offer only those"))
        }
        if model.ecLeaf != nil {
            let result = outcome(.ecP256)
            let what =
                chainCAs.isEmpty
                ? "EC P-256 device key and certificate" : "EC P-256 device key, certificate and JITR CA"
            changes.append(
                FitChange(
                    kind: .ecP256, title: "\(what) instead of RSA",
                    detail: "\(arrows(result.slots)) (measured on certificates generated with the same names)",
                    bytesSaved: result.saved, fitsAlone: result.fits,
                    caveat: chainCAs.isEmpty
                        ? "new device credentials: a P-256 key and a certificate from its CSR (create-certificate-from-csr)"
                        : "new device credentials, and a P-256 JITR CA to register with AWS IoT"))
        }
        if !chainCAs.isEmpty {
            let result = outcome(.dropJITRCA)
            changes.append(
                FitChange(
                    kind: .dropJITRCA, title: "leave the JITR CA out of cert after registration",
                    detail: arrows(result.slots), bytesSaved: result.saved, fitsAlone: result.fits,
                    caveat: "the first connection must present it unless the module sends SNI "
                        + "(AWS: the CA is optional with SNI); keep it until the certificate is ACTIVE"))
        }
        return changes
    }

    /// Every minimal set of changes that fits, cheapest first (then the largest smallest margin).
    private static func plans(model: FitModel, kinds: [FitChange.Kind], titles: [FitChange]) -> [FitPlan] {
        var candidates = [(kinds: Set<FitChange.Kind>, cost: Int, margin: Int, plan: FitPlan)]()
        for mask in 1..<(1 << kinds.count) {
            let subset = Set(kinds.indices.filter { mask & (1 << $0) != 0 }.map { kinds[$0] })
            guard let result = model.slots(subset) else { continue }
            let total = result.slots.reduce(0) { $0 + $1.bytes }
            guard result.slots.allSatisfy(\.fits), total <= result.layout.budget else { continue }
            let ordered = FitChange.Kind.allCases.filter(subset.contains)
            let plan = FitPlan(
                changes: ordered,
                titles: ordered.compactMap { kind in titles.first { $0.kind == kind }?.title },
                layout: result.layout, slots: result.slots, total: total, budget: result.layout.budget, fits: true)
            candidates.append((subset, ordered.reduce(0) { $0 + $1.cost }, result.slots.map(\.margin).min() ?? 0, plan))
        }
        candidates.sort { ($0.cost, -$0.margin, $0.kinds.count) < ($1.cost, -$1.margin, $1.kinds.count) }
        var chosen = [(kinds: Set<FitChange.Kind>, plan: FitPlan)]()
        for candidate in candidates where !chosen.contains(where: { $0.kinds.isSubset(of: candidate.kinds) }) {
            chosen.append((candidate.kinds, candidate.plan))
        }
        return chosen.map(\.plan)
    }

    // MARK: Output

    /// The analysis as pretty-printed JSON (sorted keys).
    public func jsonString() -> String {
        JSONText.encode(self)
    }
}
