/// One row of a fit table: what a slot would hold and whether it fits.
public struct FitSlotUsage: Codable, Sendable, Equatable {
    /// The slot.
    public var slot: CredentialSlot
    /// What it holds, e.g. `device cert RSA 2048`, `JITR CA RSA 2048`.
    public var contents: [String]
    /// The encoding stored.
    public var encoding: CredentialEncoding
    /// Bytes as stored (as given, or after the plan's changes).
    public var bytes: Int
    /// Bytes if stored as DER.
    public var derBytes: Int
    /// The slot's capacity.
    public var capacity: Int
    /// How many certificates (0 for the key).
    public var certificateCount: Int
    /// Whether `bytes` fit and the slot may hold `certificateCount` certificates.
    public var fits: Bool
    /// Whether the DER form would fit.
    public var fitsAsDER: Bool
    /// What is wrong, if it does not fit.
    public var problem: String?

    /// Capacity minus bytes (negative when over).
    public var margin: Int { capacity - bytes }
}
