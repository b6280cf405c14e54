/// What the embedded AT driver needs from the board: the UART wired to the module and a millisecond clock.
/// A polling UART reads its data register here; an interrupt-driven one drains its ring buffer.
public protocol SPWFPort {
    /// Puts bytes on the UART (returns once they are queued or sent).
    mutating func write(_ bytes: [UInt8])
    /// Appends what the UART received since the last call to `buffer`, without waiting.
    mutating func read(into buffer: inout [UInt8])
    /// Milliseconds since boot.
    func milliseconds() -> UInt64
}
