/// One link of a certificate bundle: whether certificate `position` was issued by the next one.
public struct ChainLink: Codable, Sendable, Equatable {
    /// 1-based position of the certificate in the bundle.
    public var position: Int
    /// Its subject.
    public var subject: String
    /// The subject of the next certificate.
    public var nextSubject: String
    /// Whether the issuer name equals the next subject.
    public var namesMatch: Bool
    /// Whether the next certificate's key verifies the signature.
    public var signatureVerifies: Bool
    /// Why the link fails, if it does.
    public var problem: String?

    /// Whether the link holds.
    public var isValid: Bool { problem == nil }
}
