import FoundationEssentials
import NIOCore
import NIOSSL
@_spi(FixedExpiryValidationTime) import X509

/// Uplink's own check of a peer's chain (swift-certificates, not BoringSSL's): the trust roots are exactly the
/// given ones, dates are checked at a given time (the module's clock), and the name, when one is expected, is
/// checked here too — so this callback is the one check, and NIOSSL's hostname check stays off.
public struct TLSChainVerifier: Sendable {
    /// The trusted roots.
    public let roots: [Certificate]
    /// The host name or IP address the leaf must carry; `nil` checks no name (a server verifying clients).
    public let expectedName: String?
    /// The time at which validity is checked.
    public let validationTime: Date
    /// How explanations name the peer's certificate, the roots and the clock ("server certificate", "a CA in the
    /// ca slot", "the module's time").
    public let wording: (peer: String, roots: String, clock: String)

    public init(
        roots: [Certificate], expectedName: String?, validationTime: Date,
        wording: (peer: String, roots: String, clock: String) = ("peer certificate", "a trusted CA", "the time")
    ) {
        self.roots = roots
        self.expectedName = expectedName
        self.validationTime = validationTime
        self.wording = wording
    }

    /// Parses a peer's chain as NIOSSL hands it over.
    public static func parse(_ peer: [NIOSSLCertificate]) throws(TLSFailure) -> [Certificate] {
        do {
            return try peer.map { try Certificate(derEncoded: try $0.toDERBytes()) }
        } catch {
            throw TLSFailure(.badCertificate, "unparsable certificate: \(error)")
        }
    }

    /// Verifies a chain (leaf first); throws the precise reason when it does not verify.
    public func verify(_ chain: [Certificate]) async throws(TLSFailure) {
        guard let leaf = chain.first else { throw TLSFailure(.badCertificate, "the peer sent no certificate") }
        let time = validationTime
        let expected = expectedName
        let isIP = expected.map(TLSChainVerifier.isIPAddress) ?? false
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            if let expected {
                ServerIdentityPolicy(serverHostname: isIP ? nil : expected, serverIP: isIP ? expected : nil)
            }
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst()))
        if case .couldNotValidate(let failures) = result {
            throw explain(failures.map { "\($0.policyFailureReason)" }, chain: chain)
        }
    }

    /// A NIOSSL custom verification callback running ``verify(_:)``; the reason of a failure goes to `note`.
    public func callback(note: TLSFailureNote) -> NIOSSLCustomVerificationCallback {
        { peer, promise in
            let chain: [Certificate]
            do throws(TLSFailure) {
                chain = try TLSChainVerifier.parse(peer)
            } catch {
                note.failure = error
                promise.succeed(.failed)
                return
            }
            promise.completeWithTask {
                do throws(TLSFailure) {
                    try await self.verify(chain)
                    note.peerVerified = true
                    return .certificateVerified
                } catch {
                    note.failure = error
                    return .failed
                }
            }
        }
    }

    /// The failure for policy failures of a chain: validity at the validation time first (a clock that was never
    /// set is the usual cause), then the name, then the issuer.
    public func explain(_ failures: [String], chain: [Certificate]) -> TLSFailure {
        let time = validationTime
        let clock = "\(wording.clock) \(Int(time.timeIntervalSince1970))"
        for (index, certificate) in chain.enumerated() {
            let which = index == 0 ? wording.peer : "chain certificate \(index + 1)"
            if time < certificate.notValidBefore {
                return TLSFailure(
                    .notYetValid,
                    "\(which) \(certificate.subject) is valid from \(certificate.notValidBefore), after \(clock)")
            }
            if time > certificate.notValidAfter {
                return TLSFailure(
                    .expired, "\(which) \(certificate.subject) expired \(certificate.notValidAfter), before \(clock)")
            }
        }
        let subject = chain.first.map { "\($0.subject) (issuer \($0.issuer))" } ?? "the \(wording.peer)"
        if failures.isEmpty {
            let trusted = roots.map { "\($0.subject)" }.joined(separator: "; ")
            return TLSFailure(.unknownCA, "\(subject) not issued by \(wording.roots) (\(trusted))")
        }
        let text = failures.joined(separator: "; ")
        let lowered = text.lowercased()
        if let expected = expectedName,
            lowered.contains("hostname") || lowered.contains("name")
                || lowered.contains("ip address")
        {
            return TLSFailure(.nameMismatch, "\(subject) does not match \(expected): \(text)")
        }
        if lowered.contains("not yet valid") {
            return TLSFailure(.notYetValid, "\(subject) at \(clock): \(text)")
        }
        if lowered.contains("expired") {
            return TLSFailure(.expired, "\(subject) at \(clock): \(text)")
        }
        return TLSFailure(.badCertificate, "\(subject): \(text)")
    }

    /// Whether a name is an IP address (IPv4 dotted quad, or anything with a colon).
    public static func isIPAddress(_ name: String) -> Bool {
        if name.contains(":") { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}
