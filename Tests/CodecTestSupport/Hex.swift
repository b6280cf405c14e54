/// Parses space-separated (or contiguous) hex into bytes; characters that are not hex digits are skipped.
public func hex(_ text: String) -> [UInt8] {
    var result: [UInt8] = []
    var pending: UInt8?
    for scalar in text.unicodeScalars {
        let digit: UInt8
        switch scalar {
        case "0"..."9": digit = UInt8(scalar.value - 48)
        case "a"..."f": digit = UInt8(scalar.value - 87)
        case "A"..."F": digit = UInt8(scalar.value - 55)
        default: continue
        }
        if let high = pending {
            result.append(high << 4 | digit)
            pending = nil
        } else {
            pending = digit
        }
    }
    return result
}
