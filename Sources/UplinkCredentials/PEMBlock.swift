/// One `-----BEGIN label-----` ... `-----END label-----` block of a PEM text, decoded.
public struct PEMBlock: Equatable, Sendable {
    /// The label, e.g. `CERTIFICATE`, `PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`.
    public var label: String
    /// RFC 1421 headers (`Proc-Type`, `DEK-Info`), if any.
    public var headers: [String: String]
    /// The decoded body.
    public var derBytes: [UInt8]
    /// The 1-based line of the `BEGIN` line.
    public var line: Int

    /// A block with this label and body.
    public init(label: String, derBytes: [UInt8], headers: [String: String] = [:], line: Int = 1) {
        self.label = label
        self.derBytes = derBytes
        self.headers = headers
        self.line = line
    }

    /// The block as PEM text: 64-character lines, ending with a newline.
    public var pemString: String {
        let body = Base64.encode(derBytes)
        var text = "-----BEGIN \(label)-----\n"
        var index = body.startIndex
        while index < body.endIndex {
            let end = body.index(index, offsetBy: 64, limitedBy: body.endIndex) ?? body.endIndex
            text += body[index..<end]
            text += "\n"
            index = end
        }
        text += "-----END \(label)-----\n"
        return text
    }

    /// The size in bytes of `pemString`.
    public var pemSize: Int { PEMBlock.pemSize(label: label, derCount: derBytes.count) }

    /// The size of a PEM block for a body of `derCount` bytes (64-character lines, final newline).
    public static func pemSize(label: String, derCount: Int) -> Int {
        let base64 = (derCount + 2) / 3 * 4
        let lines = (base64 + 63) / 64
        let armour = ("-----BEGIN " + label + "-----\n").utf8.count + ("-----END " + label + "-----\n").utf8.count
        return armour + base64 + lines
    }

    /// Every block of a PEM text, in order. Text around the blocks is ignored, as OpenSSL does.
    ///
    /// Throws on a missing or mismatched `END` line, bad base64, an empty block, or a password-protected key.
    public static func parseAll(_ bytes: [UInt8]) throws(CredentialError) -> [PEMBlock] {
        var blocks = [PEMBlock]()
        var open: (label: String, line: Int)?
        var body = [(number: Int, text: ArraySlice<UInt8>)]()
        var headers = [String: String]()
        var inHeaders = false

        for (index, rawLine) in lines(of: bytes).enumerated() {
            let number = index + 1
            let line = trim(rawLine)
            if let (label, _) = open {
                if let endLabel = marker("-----END ", in: line) {
                    guard endLabel == label else {
                        throw .pemMismatchedEnd(begin: label, end: endLabel, line: number)
                    }
                    blocks.append(try finish(label: label, line: open?.line ?? number, headers: headers, body: body))
                    open = nil
                } else if marker("-----BEGIN ", in: line) != nil {
                    throw .pemMissingEnd(label: label, line: open?.line ?? number)
                } else if body.isEmpty && (inHeaders || line.contains(UInt8(ascii: ":"))) {
                    // RFC 1421 headers end at an empty line.
                    if line.isEmpty {
                        inHeaders = false
                    } else {
                        inHeaders = true
                        let text = String(decoding: line, as: UTF8.self)
                        let parts = text.split(separator: ":", maxSplits: 1)
                        let name = parts.first.map { $0.trimmingSpaces } ?? text
                        headers[name] = parts.count > 1 ? parts[1].trimmingSpaces : ""
                    }
                } else if !line.isEmpty {
                    body.append((number, line))
                }
            } else if let label = marker("-----BEGIN ", in: line) {
                open = (label, number)
                body = []
                headers = [:]
                inHeaders = false
            }
        }
        if let (label, line) = open {
            throw .pemMissingEnd(label: label, line: line)
        }
        return blocks
    }

    private static func finish(
        label: String, line: Int, headers: [String: String], body: [(number: Int, text: ArraySlice<UInt8>)]
    ) throws(CredentialError) -> PEMBlock {
        if label == "ENCRYPTED PRIVATE KEY" {
            throw .encryptedKey(form: "ENCRYPTED PRIVATE KEY, PKCS#8 with a password")
        }
        if let procType = headers["Proc-Type"], procType.uppercased().contains("ENCRYPTED") {
            throw .encryptedKey(form: "'\(label)' with Proc-Type: \(procType)")
        }
        guard !body.isEmpty else { throw .pemEmptyBlock(label: label, line: line) }
        do {
            let der = try Base64.decode(lines: body)
            guard !der.isEmpty else { throw CredentialError.pemEmptyBlock(label: label, line: line) }
            return PEMBlock(label: label, derBytes: der, headers: headers, line: line)
        } catch let failure as Base64.Failure {
            throw .pemBadBase64(label: label, line: failure.line, reason: failure.reason)
        } catch let error as CredentialError {
            throw error
        } catch {
            throw .pemBadBase64(label: label, line: line, reason: "\(error)")
        }
    }

    /// The label of a `-----BEGIN X-----` / `-----END X-----` line, if `line` is one.
    private static func marker(_ prefix: String, in line: ArraySlice<UInt8>) -> String? {
        let prefixBytes = Array(prefix.utf8)
        let suffix = Array("-----".utf8)
        guard line.count >= prefixBytes.count + suffix.count, line.starts(with: prefixBytes),
            line.suffix(suffix.count).elementsEqual(suffix)
        else { return nil }
        let label = line.dropFirst(prefixBytes.count).dropLast(suffix.count)
        return String(decoding: label, as: UTF8.self)
    }

    /// The lines of the text, split at LF (a CR before it is trimmed with the other white space).
    private static func lines(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes[...].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    }

    private static func trim(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0B || $0 == 0x0C }
        guard let first = line.firstIndex(where: { !isSpace($0) }),
            let last = line.lastIndex(where: { !isSpace($0) })
        else { return line[line.endIndex...] }
        return line[first...last]
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(
            self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed()
        )
    }
}

extension String {
    fileprivate var trimmingSpaces: String { self[...].trimmingSpaces }
}
