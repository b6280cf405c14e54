import SwiftASN1
import X509

extension DistinguishedName {
    /// The name as OpenSSL prints it with `-nameopt RFC2253` order reversed to reading order:
    /// most specific first, e.g. `CN=Amazon Root CA 1, O=Amazon, C=US`.
    public var text: String {
        reversed().map { String(describing: $0) }.joined(separator: ", ")
    }

    /// The values of the attributes of this type, e.g. every `CN`.
    public func values(of type: ASN1ObjectIdentifier) -> [String] {
        flatMap { $0 }.filter { $0.type == type }.map { String($0.value) ?? String(describing: $0.value) }
    }

    /// Whether two names are the same for chain building: equal, or equal as text.
    func sameName(as other: DistinguishedName) -> Bool {
        self == other || text == other.text
    }
}
