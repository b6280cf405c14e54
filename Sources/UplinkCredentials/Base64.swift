/// Strict base64 (RFC 4648, standard alphabet, padded) for PEM bodies, with precise failure reasons.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = UInt8(index) }
        return table
    }()

    /// Why a base64 text does not decode, and at which of the caller's lines.
    struct Failure: Error {
        var line: Int
        var reason: String
    }

    /// Encodes bytes as one base64 string.
    static func encode(_ bytes: [UInt8]) -> String {
        var output = [UInt8]()
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            output.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes base64 given as lines (each already stripped of surrounding white space).
    static func decode(lines: [(number: Int, text: ArraySlice<UInt8>)]) throws(Failure) -> [UInt8] {
        var output = [UInt8]()
        var quantum = [UInt8]()
        var padding = 0
        var total = 0
        for (number, text) in lines {
            for character in text {
                total += 1
                if character == UInt8(ascii: "=") {
                    padding += 1
                    guard padding <= 2 else { throw Failure(line: number, reason: "too much '=' padding") }
                    quantum.append(0)
                } else {
                    let value = values[Int(character)]
                    guard value != 0xFF else {
                        throw Failure(line: number, reason: "\(describe(character)) is not a base64 character")
                    }
                    guard padding == 0 else {
                        throw Failure(line: number, reason: "data after the '=' padding")
                    }
                    quantum.append(value)
                }
                if quantum.count == 4 {
                    output.append(quantum[0] << 2 | quantum[1] >> 4)
                    if padding < 2 { output.append(quantum[1] << 4 | quantum[2] >> 2) }
                    if padding < 1 { output.append(quantum[2] << 6 | quantum[3]) }
                    quantum.removeAll(keepingCapacity: true)
                }
            }
        }
        guard quantum.isEmpty else {
            let last = lines.last?.number ?? 0
            throw Failure(
                line: last, reason: "\(total) characters is not a multiple of 4 (a line is missing or cut short)")
        }
        return output
    }

    private static func describe(_ character: UInt8) -> String {
        if character >= 0x21 && character < 0x7F {
            return "'\(String(decoding: [character], as: UTF8.self))'"
        }
        return "byte 0x\(Hex.byte(character))"
    }
}
