/// The bytes a run sends: pseudo-random (every byte value occurs, CR and LF included), reproducible
/// from a seed, and never containing `\r\n+`, the start of a WIND.
enum EchoPayload {
    static func make(count: Int, seed: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var state = seed
        var index = 0
        while index < count {
            // SplitMix64: eight bytes per step.
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            mixed ^= mixed >> 31
            for _ in 0..<8 where index < count {
                bytes[index] = UInt8(truncatingIfNeeded: mixed)
                mixed >>= 8
                index += 1
            }
        }
        for index in bytes.indices.dropFirst(2)
        where bytes[index] == UInt8(ascii: "+") && bytes[index - 1] == 0x0A && bytes[index - 2] == 0x0D {
            bytes[index] = UInt8(ascii: "*")
        }
        return bytes
    }
}
