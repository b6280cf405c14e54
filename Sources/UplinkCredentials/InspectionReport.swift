import Foundation

/// What `uplink certs inspect` shows: each file's certificates and keys, chain order, and the key match.
public struct InspectionReport: Codable, Sendable {
    /// One certificate.
    public struct CertificateInfo: Codable, Sendable {
        public var position: Int
        public var subject: String
        public var issuer: String
        public var serialNumber: String
        public var notBefore: String
        public var notAfter: String
        public var validity: CertificateValidity
        public var keyAlgorithm: String
        public var signatureAlgorithm: String
        public var sha256Fingerprint: String
        public var isCertificateAuthority: Bool
        public var pathLength: Int?
        public var isSelfSigned: Bool
        public var amazonRoot: String?
        public var subjectAlternativeNames: [String]
        public var extendedKeyUsages: [String]
        public var pemBytes: Int
        public var derBytes: Int
    }

    /// One private key.
    public struct KeyInfo: Codable, Sendable {
        public var algorithm: String
        public var format: PrivateKeyFormat
        public var pemBytes: Int
        public var derBytes: Int
        public var pkcs8DERBytes: Int
        public var traditionalDERBytes: Int
    }

    /// One input file.
    public struct FileInfo: Codable, Sendable {
        public var name: String
        public var encoding: CredentialEncoding
        public var bytes: Int
        public var certificates: [CertificateInfo]
        public var keys: [KeyInfo]
        /// For two or more certificates: each link of the bundle.
        public var chain: [ChainLink]
        /// For two or more certificates: whether each is issued by the next.
        public var formsChain: Bool?
    }

    /// Whether a key matches a file's first certificate.
    public struct KeyMatch: Codable, Sendable {
        public var key: String
        public var file: String
        public var certificate: String
        public var matches: Bool
    }

    /// The files, in the order given.
    public var files: [FileInfo]
    /// Key checks (`--key`, and files holding both a certificate and a key).
    public var keyMatches: [KeyMatch]
    /// Whether every bundle forms a chain and every key matches.
    public var ok: Bool
    /// One line.
    public var verdict: String

    /// Inspects files; throws `.file(path:reason:)` for the first one that does not parse.
    public static func inspect(
        _ inputs: [FitRequest.Input], key keyInput: FitRequest.Input? = nil, now: Date = Date()
    ) throws(CredentialError) -> InspectionReport {
        var files = [FileInfo]()
        var matches = [KeyMatch]()
        var firstCertificates = [(String, CredentialCertificate)]()
        for input in inputs {
            let file: CredentialFile
            do { file = try CredentialFile(bytes: input.bytes) } catch {
                throw .file(path: input.name, reason: error.description)
            }
            let chain = CertificateChain(file.certificates)
            let info = FileInfo(
                name: input.name, encoding: file.encoding, bytes: input.bytes.count,
                certificates: file.certificates.enumerated().map { certificateInfo($1, position: $0 + 1, now: now) },
                keys: file.keys.map(keyInfo), chain: chain.links,
                formsChain: chain.count > 1 ? chain.isOrderedChain : nil)
            files.append(info)
            if let leaf = chain.leaf {
                firstCertificates.append((input.name, leaf))
                for key in file.keys {
                    matches.append(
                        KeyMatch(
                            key: input.name, file: input.name, certificate: leaf.subject, matches: key.matches(leaf)))
                }
            }
        }
        if let keyInput {
            let key: CredentialKey
            do { key = try CredentialKey(bytes: keyInput.bytes) } catch {
                throw .file(path: keyInput.name, reason: error.description)
            }
            files.append(
                FileInfo(
                    name: keyInput.name, encoding: key.encoding ?? .pem, bytes: keyInput.bytes.count, certificates: [],
                    keys: [keyInfo(key)], chain: [], formsChain: nil))
            for (name, leaf) in firstCertificates {
                matches.append(
                    KeyMatch(key: keyInput.name, file: name, certificate: leaf.subject, matches: key.matches(leaf)))
            }
        }

        var problems = [String]()
        for file in files where file.formsChain == false {
            let broken = file.chain.first { !$0.isValid }
            problems.append(
                "\(file.name) is not a chain (certificate \(broken?.position ?? 0): \(broken?.problem ?? ""))")
        }
        for match in matches where !match.matches {
            problems.append("\(match.key) does not match \(match.certificate) (\(match.file))")
        }
        if keyInput != nil && firstCertificates.isEmpty {
            problems.append("--key given but no certificate to check it against")
        }
        let certificateCount = files.reduce(0) { $0 + $1.certificates.count }
        let keyCount = files.reduce(0) { $0 + $1.keys.count }
        var verdict: String
        if problems.isEmpty {
            verdict =
                "ok: \(certificateCount) certificate\(certificateCount == 1 ? "" : "s"), \(keyCount) key\(keyCount == 1 ? "" : "s")"
            let chains = files.filter { $0.formsChain == true }.map(\.name)
            if !chains.isEmpty {
                verdict += "; \(chains.joined(separator: ", ")) form\(chains.count == 1 ? "s" : "") a chain"
            }
            if let match = matches.first { verdict += "; the key matches \(match.certificate)" }
        } else {
            verdict = "problem: " + problems.joined(separator: "; ")
        }
        return InspectionReport(files: files, keyMatches: matches, ok: problems.isEmpty, verdict: verdict)
    }

    static func certificateInfo(_ certificate: CredentialCertificate, position: Int, now: Date) -> CertificateInfo {
        CertificateInfo(
            position: position, subject: certificate.subject, issuer: certificate.issuer,
            serialNumber: certificate.serialNumber, notBefore: ISODate.format(certificate.notBefore),
            notAfter: ISODate.format(certificate.notAfter), validity: certificate.validity(at: now),
            keyAlgorithm: certificate.keyAlgorithm.description, signatureAlgorithm: certificate.signatureAlgorithm,
            sha256Fingerprint: certificate.sha256Fingerprint,
            isCertificateAuthority: certificate.isCertificateAuthority,
            pathLength: certificate.pathLengthConstraint, isSelfSigned: certificate.isSelfSigned,
            amazonRoot: AmazonRootCA.identify(certificate)?.commonName,
            subjectAlternativeNames: certificate.subjectAlternativeNames,
            extendedKeyUsages: certificate.extendedKeyUsages, pemBytes: certificate.pemSize,
            derBytes: certificate.derSize)
    }

    static func keyInfo(_ key: CredentialKey) -> KeyInfo {
        KeyInfo(
            algorithm: key.algorithm.description, format: key.format, pemBytes: key.pemSize, derBytes: key.derSize,
            pkcs8DERBytes: key.pkcs8DERBytes.count, traditionalDERBytes: key.traditionalDERBytes.count)
    }

    /// The report as pretty-printed JSON (sorted keys).
    public func jsonString() -> String { JSONText.encode(self) }

    /// The report for people: per file, a table per certificate and key, the chain, and a verdict line.
    public var text: String {
        var out = ""
        for file in files {
            out += "\(file.name): \(file.encoding), \(file.bytes) bytes"
            out += ", \(file.certificates.count) certificate\(file.certificates.count == 1 ? "" : "s")"
            out += file.keys.isEmpty ? "" : ", \(file.keys.count) key\(file.keys.count == 1 ? "" : "s")"
            out += "\n"
            for certificate in file.certificates {
                out += "  certificate \(certificate.position)\n"
                var pairs: [(String, String)] = [
                    ("subject", certificate.subject),
                    ("issuer", certificate.issuer + (certificate.isSelfSigned ? " (self-signed)" : "")),
                    ("serial", certificate.serialNumber),
                    ("valid", "\(certificate.notBefore) to \(certificate.notAfter) (\(certificate.validity))"),
                    ("key", certificate.keyAlgorithm),
                    ("signature", certificate.signatureAlgorithm),
                    (
                        "CA",
                        certificate.isCertificateAuthority
                            ? "yes" + (certificate.pathLength.map { ", path length \($0)" } ?? "") : "no"
                    ),
                ]
                if let root = certificate.amazonRoot { pairs.append(("Amazon root", root)) }
                if !certificate.subjectAlternativeNames.isEmpty {
                    pairs.append(("names", certificate.subjectAlternativeNames.joined(separator: ", ")))
                }
                if !certificate.extendedKeyUsages.isEmpty {
                    pairs.append(("usage", certificate.extendedKeyUsages.joined(separator: ", ")))
                }
                pairs.append(("SHA-256", certificate.sha256Fingerprint))
                pairs.append(("size", "\(certificate.pemBytes) bytes PEM, \(certificate.derBytes) bytes DER"))
                out += TextTable.pairs(pairs, indent: "    ")
            }
            for key in file.keys {
                out += "  private key\n"
                out += TextTable.pairs(
                    [
                        ("key", key.algorithm), ("format", key.format.description),
                        ("size", "\(key.pemBytes) bytes PEM, \(key.derBytes) bytes DER"),
                        ("DER", "PKCS#8 \(key.pkcs8DERBytes) bytes, traditional \(key.traditionalDERBytes) bytes"),
                    ], indent: "    ")
            }
            if file.certificates.count > 1 {
                out += "  chain\n"
                var table = TextTable(["#", "subject", "issued by next", "detail"])
                for link in file.chain {
                    table.append([
                        "\(link.position)→\(link.position + 1)", link.subject, link.isValid ? "yes" : "no",
                        link.problem ?? "signature verifies",
                    ])
                }
                out += table.render(indent: "    ")
            }
        }
        if !keyMatches.isEmpty {
            out += "key check\n"
            var table = TextTable(["key", "certificate", "matches"])
            for match in keyMatches {
                table.append([match.key, "\(match.certificate) (\(match.file))", match.matches ? "yes" : "NO"])
            }
            out += table.render(indent: "  ")
        }
        out += "verdict: \(verdict)\n"
        return out
    }
}
