import Foundation

/// The capacity of each credential slot, the flash budget they share, and whether `cert` may hold a chain.
///
/// Profiles: `spwf01-3.5` (ca/cert/key 2048 bytes each, budget 6144, a single certificate in `cert`),
/// `spwf01` and `spwf04` (4096 each, budget 12288, a chain allowed). `resized(_:)` changes the layout within
/// the budget, as the seed's team asked (cert 3 KB, key 1 KB). A slot's limit counts the bytes as stored.
public struct SlotLayout: Equatable, Codable, Sendable, CustomStringConvertible {
    /// The profile the layout belongs to.
    public var profile: String
    /// Capacity of `ca` in bytes.
    public var ca: Int
    /// Capacity of `cert` in bytes.
    public var cert: Int
    /// Capacity of `key` in bytes.
    public var key: Int
    /// Capacity of `domain` in bytes (not part of the budget).
    public var domain: Int
    /// The flash the `ca`, `cert` and `key` slots share.
    public var budget: Int
    /// Whether `cert` may hold more than one certificate (leaf first, then its CA: a JITR chain).
    public var allowsChainInCert: Bool
    /// Whether the layout was resized (`--slots`): a firmware with a configurable layout.
    public var isCustom: Bool

    /// A layout with these values.
    public init(
        profile: String, ca: Int, cert: Int, key: Int, domain: Int, budget: Int, allowsChainInCert: Bool,
        isCustom: Bool = false
    ) {
        self.profile = profile
        self.ca = ca
        self.cert = cert
        self.key = key
        self.domain = domain
        self.budget = budget
        self.allowsChainInCert = allowsChainInCert
        self.isCustom = isCustom
    }

    /// SPWF01 firmware 3.5 as shipped: 2048 bytes per slot, one certificate in `cert`.
    public static let spwf01Legacy = SlotLayout(
        profile: "spwf01-3.5", ca: 2048, cert: 2048, key: 2048, domain: 2048, budget: 6144, allowsChainInCert: false)
    /// SPWF01 with Uplink's fixes: 4096 bytes per slot, a chain allowed in `cert`.
    public static let spwf01 = SlotLayout(
        profile: "spwf01", ca: 4096, cert: 4096, key: 4096, domain: 4096, budget: 12288, allowsChainInCert: true)
    /// SPWF04: 4096 bytes per slot, a chain allowed in `cert`.
    public static let spwf04 = SlotLayout(
        profile: "spwf04", ca: 4096, cert: 4096, key: 4096, domain: 4096, budget: 12288, allowsChainInCert: true)
    /// Every profile's default layout.
    public static let profiles: [SlotLayout] = [.spwf01, .spwf01Legacy, .spwf04]

    /// The default layout of a profile (`spwf01`, `spwf01-3.5`, `spwf04`).
    public static func profile(named name: String) throws(CredentialError) -> SlotLayout {
        guard let layout = profiles.first(where: { $0.profile == name.lowercased() }) else {
            throw .unknownProfile(name)
        }
        return layout
    }

    /// The default layout of `profile`, resized by a `--slots` specification if one is given.
    public static func named(_ profile: String, slots: String?) throws(CredentialError) -> SlotLayout {
        let layout = try SlotLayout.profile(named: profile)
        guard let slots else { return layout }
        return try layout.resized(slots)
    }

    /// The capacity of a slot in bytes.
    public func capacity(of slot: CredentialSlot) -> Int {
        switch slot {
        case .ca: return ca
        case .cert: return cert
        case .key: return key
        case .domain: return domain
        }
    }

    /// The flash the three material slots take.
    public var total: Int { ca + cert + key }

    /// `ca=2048,cert=2048,key=2048`: the form `--slots` takes.
    public var description: String { "ca=\(ca),cert=\(cert),key=\(key)" }

    /// This layout with new capacities for some slots, e.g. `ca=2048,cert=3072,key=1024` (sizes in bytes,
    /// or with a `k` suffix for KiB). Slots not named keep their capacity.
    ///
    /// Throws `.invalidLayout` for a bad specification and `.layoutOverBudget` (saying by how much) when the
    /// slots need more than the profile's flash budget. A configurable layout is the firmware change the seed's
    /// team asked for so that a JITR chain fits, so any resized layout allows a chain in `cert`.
    public func resized(_ specification: String) throws(CredentialError) -> SlotLayout {
        var sizes = [CredentialSlot: Int]()
        let items = specification.split(separator: ",", omittingEmptySubsequences: false)
        for item in items {
            let parts = item.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw .invalidLayout("'\(item)' is not slot=bytes (e.g. ca=2048,cert=3072,key=1024)")
            }
            let name = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
            guard let slot = CredentialSlot(rawValue: name), slot != .domain else {
                throw .invalidLayout("unknown slot '\(name)'; the layout has ca, cert and key")
            }
            guard sizes[slot] == nil else { throw .invalidLayout("slot \(name) is given twice") }
            guard let size = SlotLayout.parseSize(parts[1].trimmingCharacters(in: .whitespaces)) else {
                throw .invalidLayout("'\(parts[1])' is not a size in bytes for \(name) (e.g. 2048 or 2k)")
            }
            guard size > 0 else { throw .invalidLayout("slot \(name) needs a size above 0") }
            sizes[slot] = size
        }
        return try resized(ca: sizes[.ca] ?? ca, cert: sizes[.cert] ?? cert, key: sizes[.key] ?? key)
    }

    /// This layout with the given capacities (a chain allowed in `cert`); throws `.layoutOverBudget` beyond
    /// the flash budget.
    public func resized(ca: Int, cert: Int, key: Int) throws(CredentialError) -> SlotLayout {
        var layout = self
        layout.ca = ca
        layout.cert = cert
        layout.key = key
        guard layout.total <= budget else {
            throw .layoutOverBudget(layout: layout.description, total: layout.total, budget: budget, profile: profile)
        }
        layout.isCustom = true
        layout.allowsChainInCert = true
        return layout
    }

    private static func parseSize(_ text: String) -> Int? {
        let lower = text.lowercased()
        for (suffix, factor) in [("kib", 1024), ("kb", 1024), ("k", 1024)] where lower.hasSuffix(suffix) {
            return Int(lower.dropLast(suffix.count)).flatMap {
                $0.multipliedReportingOverflow(by: factor).overflow ? nil : $0 * factor
            }
        }
        return Int(lower)
    }
}
