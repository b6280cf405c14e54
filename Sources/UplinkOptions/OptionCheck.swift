import ArgumentParser

/// The range checks every numeric command-line option goes through, in every command of `uplink`, `uplink-mqtt`
/// and `uplink-bench`: a value out of range is a usage error (exit status 64) that names the option and its
/// range, and no value — `nan`, `inf`, negative, `1e20`, an integer at its type's limit — reaches a
/// conversion that traps.
public enum OptionCheck {
    /// The largest upper bound a duration option may have (a million seconds): in nanoseconds it still
    /// fits an `Int64` many times over.
    public static let longestSeconds: Double = 1_000_000

    /// A duration given in seconds (`--timeout 2.5`) as a `Duration`, when `range` contains it (`nan` and
    /// the infinities never are); otherwise a `ValidationError` naming `option`. The smallest step is a
    /// nanosecond; `range` must lie within `0...longestSeconds`.
    public static func seconds(_ value: Double, in range: ClosedRange<Double>, option: String) throws -> Duration {
        precondition(range.lowerBound >= 0 && range.upperBound <= longestSeconds, "bad range for \(option)")
        guard range.contains(value) else {
            throw ValidationError(
                "\(option) takes \(text(range.lowerBound)) to \(text(range.upperBound)) seconds, not \(text(value)).")
        }
        return .nanoseconds(Int64((value * 1_000_000_000).rounded()))
    }

    /// Checks that a whole-number option (a count, a port, a baud rate) lies within `range`; otherwise a
    /// `ValidationError` naming `option`.
    public static func number<Value: BinaryInteger>(_ value: Value, in range: ClosedRange<Value>, option: String)
        throws
    {
        guard range.contains(value) else {
            throw ValidationError("\(option) takes \(range.lowerBound) to \(range.upperBound), not \(value).")
        }
    }

    /// A number as people write it: `3600`, `0.05`, `inf`, `nan`.
    static func text(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
