/// Random bytes for `Hasher`'s seed (`Set`, `Dictionary`). The firmware's tables hold nothing an attacker picks, so
/// a fixed-but-mixed seed from the clock is enough; picolibc's version would pull in getentropy.
@_cdecl("arc4random_buf")
func arc4random_buf(_ buffer: UnsafeMutableRawPointer, _ count: Int) {
    var state = UInt32(truncatingIfNeeded: Clock.milliseconds()) &+ 0x9E37_79B9
    for index in 0..<count {
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        buffer.storeBytes(of: UInt8(truncatingIfNeeded: state), toByteOffset: index, as: UInt8.self)
    }
}
