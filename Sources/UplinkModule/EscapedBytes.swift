/// Bytes from outside shown as one line of printable text, for traces and error messages.
public enum EscapedBytes {
    /// `bytes` as text, with non-printable bytes, quotes and backslashes escaped.
    public static func text(_ bytes: some Collection<UInt8>) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case 0x0D: text += "\\r"
            case 0x0A: text += "\\n"
            case 0x09: text += "\\t"
            case 0x22: text += "\\\""
            case 0x5C: text += "\\\\"
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "\\x" + ConfigVariable.hexByte(byte).lowercased()
            }
        }
        return text
    }
}
