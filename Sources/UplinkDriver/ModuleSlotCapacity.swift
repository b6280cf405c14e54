/// The credential slot size of each module profile (docs/profiles.md), for checks made before anything is sent.
///
/// Every slot of a profile has the same size by default; `UplinkCredentials.SlotLayout` holds the full layouts (and
/// custom ones). A test keeps the two in step.
public enum ModuleSlotCapacity {
    /// Bytes per slot, by profile name.
    public static let byProfile: [String: Int] = ["spwf01": 4096, "spwf01-3.5": 2048, "spwf04": 4096]
}
