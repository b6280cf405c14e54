/// A set of changes and the slot table recomputed with them.
public struct FitPlan: Codable, Sendable, Equatable {
    /// The changes, cheapest first.
    public var changes: [FitChange.Kind]
    /// Their titles.
    public var titles: [String]
    /// The layout the plan uses.
    public var layout: SlotLayout
    /// Each slot after the changes.
    public var slots: [FitSlotUsage]
    /// Bytes stored in all slots.
    public var total: Int
    /// The flash budget.
    public var budget: Int
    /// Whether every slot fits (recomputed, not assumed).
    public var fits: Bool
}
