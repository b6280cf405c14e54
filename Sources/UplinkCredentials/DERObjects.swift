import SwiftASN1

/// Splits DER bytes into top-level objects and classifies them (certificate, key formats, ...).
enum DERObjects {
    /// The top-level DER objects one after another (a DER chain is its certificates concatenated).
    static func split(_ bytes: [UInt8]) throws(CredentialError) -> [ArraySlice<UInt8>] {
        var objects = [ArraySlice<UInt8>]()
        var offset = 0
        while offset < bytes.count {
            let remaining = bytes.count - offset
            guard bytes[offset] == 0x30 else {
                if objects.isEmpty { throw .notPEMOrDER(prefix: Array(bytes[offset...].prefix(8))) }
                throw .derTrailingBytes(count: remaining)
            }
            guard remaining >= 2 else {
                throw .derTruncated(object: objects.count + 1, announced: 2, present: remaining)
            }
            let first = bytes[offset + 1]
            var length = 0
            var headerLength = 2
            if first < 0x80 {
                length = Int(first)
            } else {
                let count = Int(first & 0x7F)
                guard count >= 1, count <= 4 else {
                    throw .malformed(what: "DER object", reason: "unsupported length encoding 0x\(Hex.byte(first))")
                }
                guard remaining >= 2 + count else {
                    throw .derTruncated(object: objects.count + 1, announced: 2 + count, present: remaining)
                }
                for index in 0..<count { length = length << 8 | Int(bytes[offset + 2 + index]) }
                headerLength += count
            }
            let total = headerLength + length
            guard total <= remaining else {
                throw .derTruncated(object: objects.count + 1, announced: total, present: remaining)
            }
            objects.append(bytes[offset..<offset + total])
            offset += total
        }
        return objects
    }

    /// Checks that `bytes` are exactly one DER SEQUENCE: not cut short, nothing after it.
    static func checkSingle(_ bytes: [UInt8], what: String) throws(CredentialError) {
        guard bytes.first == 0x30 else {
            throw .malformed(what: what, reason: "the body is not an ASN.1 SEQUENCE")
        }
        let objects = try split(bytes)
        guard objects.count == 1, let object = objects.first else {
            throw .derTrailingBytes(count: bytes.count - (objects.first?.count ?? 0))
        }
        _ = object
    }

    /// What a top-level DER object looks like.
    enum Shape: Equatable {
        /// SEQUENCE { SEQUENCE, SEQUENCE, BIT STRING }: a certificate or a CSR.
        case signed
        /// SEQUENCE { INTEGER, SEQUENCE { OID ... }, OCTET STRING ... }.
        case pkcs8
        /// SEQUENCE { SEQUENCE { OID ... }, OCTET STRING }.
        case encryptedPKCS8
        /// SEQUENCE { INTEGER 0, INTEGER n, INTEGER e, ... }.
        case pkcs1
        /// SEQUENCE { INTEGER 1, OCTET STRING, [0] curve, [1] public key }.
        case sec1
        /// SEQUENCE { SEQUENCE { OID ... }, BIT STRING }: a public key.
        case publicKey
        case unknown
    }

    static func shape(of object: ArraySlice<UInt8>) -> Shape {
        guard let node = try? DER.parse(object), case .constructed(let children) = node.content else {
            return .unknown
        }
        let ids = children.map(\.identifier)
        guard ids.count >= 2 else { return .unknown }
        switch (ids[0], ids[1]) {
        case (.sequence, .sequence) where ids.count >= 3 && ids[2] == .bitString:
            return .signed
        case (.integer, .sequence) where ids.count >= 3 && ids[2] == .octetString:
            return .pkcs8
        case (.sequence, .octetString) where ids.count == 2:
            return .encryptedPKCS8
        case (.sequence, .bitString) where ids.count == 2:
            return .publicKey
        case (.integer, .integer) where ids.count >= 9:
            return .pkcs1
        case (.integer, .octetString):
            return .sec1
        default:
            return .unknown
        }
    }
}
