/// The module's credential slots: a layout and what each slot holds.
///
/// A value type; the module keeps one per storage (RAM slots, flash slots) and persists `storedBytes`
/// itself. `store(_:in:)` validates with `SlotLayout.validate(_:for:counterpart:)`, so overflow, unparsable data
/// and a key that does not match the stored certificate fail when stored, not at handshake time. To replace a
/// certificate and its key with a new pair, clear one slot first (`AT+S.TLSCERT2=clean,...`).
public struct CredentialStore: Sendable {
    /// The slot capacities and rules.
    public private(set) var layout: SlotLayout
    private var contents: [CredentialSlot: SlotContent] = [:]

    /// An empty store with this layout.
    public init(layout: SlotLayout) {
        self.layout = layout
    }

    /// What `slot` holds, if anything.
    public subscript(slot: CredentialSlot) -> SlotContent? { contents[slot] }

    /// Validates `bytes` for `slot` without storing them (see `SlotLayout.validate`).
    public func validate(_ bytes: [UInt8], for slot: CredentialSlot) throws(CredentialError) -> SlotContent {
        try layout.validate(bytes, for: slot, counterpart: counterpart(of: slot))
    }

    /// Validates and stores `bytes` in `slot`, replacing what it held; on error the slot is unchanged.
    @discardableResult
    public mutating func store(_ bytes: [UInt8], in slot: CredentialSlot) throws(CredentialError) -> SlotContent {
        let content = try validate(bytes, for: slot)
        contents[slot] = content
        return content
    }

    /// Empties one slot.
    public mutating func clear(_ slot: CredentialSlot) { contents[slot] = nil }

    /// Empties every slot.
    public mutating func clearAll() { contents.removeAll() }

    /// The trust roots of `ca`, in order (DER via `derBytes`).
    public var trustRoots: [CredentialCertificate] { contents[.ca]?.certificates?.certificates ?? [] }
    /// The client certificate chain of `cert`, leaf first.
    public var clientChain: CertificateChain? { contents[.cert]?.certificates }
    /// The client key of `key`.
    public var clientKey: CredentialKey? { contents[.key]?.privateKey }
    /// The expected server name of `domain`.
    public var domain: String? { contents[.domain]?.domain }

    /// Bytes stored in the `ca`, `cert` and `key` slots.
    public var usedBytes: Int { CredentialSlot.material.reduce(0) { $0 + (contents[$1]?.size ?? 0) } }

    private func counterpart(of slot: CredentialSlot) -> SlotContent? {
        switch slot {
        case .cert: return contents[.key]
        case .key: return contents[.cert]
        case .ca, .domain: return nil
        }
    }
}
