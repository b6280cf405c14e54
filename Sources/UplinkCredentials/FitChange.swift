/// A change that makes credentials smaller or the slots roomier, with the bytes it saves.
public struct FitChange: Codable, Sendable, Equatable {
    /// The kinds of change `fit` knows, cheapest to make first.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Store DER instead of PEM (no new material).
        case der
        /// Store the key as PKCS#1 / SEC1 instead of PKCS#8.
        case traditionalKey = "traditional-key"
        /// Another slot layout in the same flash budget (a firmware with a configurable layout).
        case slotLayout = "slot-layout"
        /// Amazon Root CA 3 (EC P-256) instead of Root CA 1 (RSA 2048) in `ca`.
        case amazonRootCA3 = "amazon-root-ca-3"
        /// EC P-256 device key and certificate (and JITR CA) instead of RSA.
        case ecP256 = "ec-p256"
        /// Leave the JITR CA out of `cert` once the device is registered.
        case dropJITRCA = "drop-jitr-ca"

        /// How disruptive the change is; the plan minimises the sum.
        var cost: Int {
            switch self {
            case .der, .traditionalKey: return 1
            case .slotLayout: return 2
            case .amazonRootCA3: return 3
            case .ecP256: return 4
            case .dropJITRCA: return 6
            }
        }
    }

    /// The kind.
    public var kind: Kind
    /// One line saying what to do.
    public var title: String
    /// How, with the numbers.
    public var detail: String
    /// Total bytes saved against the material as given (0 for a layout change, which moves capacity).
    public var bytesSaved: Int
    /// Whether this change alone makes everything fit.
    public var fitsAlone: Bool
    /// What it requires or costs.
    public var caveat: String?
}
