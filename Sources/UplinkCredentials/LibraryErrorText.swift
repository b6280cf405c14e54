import Crypto
import SwiftASN1

/// A library's error (swift-asn1, swift-crypto, swift-certificates) as a reason a user can read: what went wrong,
/// without the library's type names, source locations or internal error numbers.
enum LibraryErrorText {
    static func reason(_ error: any Error) -> String {
        if let crypto = error as? CryptoKitError {
            switch crypto {
            case .incorrectKeySize: return "the key has the wrong size"
            case .incorrectParameterSize: return "a parameter has the wrong size"
            case .underlyingCoreCryptoError: return "the key or signature data is not valid"
            case .authenticationFailure: return "authentication failed"
            case .invalidParameter: return "a parameter is not valid"
            default: return "the cryptography library refused it"
            }
        }
        // `Type.code: reason File.swift:123` (ASN1Error, CertificateError): keep `code: reason`.
        var words = String(describing: error).split(separator: " ", omittingEmptySubsequences: true)
        if let last = words.last, last.contains(".swift:") { words.removeLast() }
        var text = words.joined(separator: " ")
        if let dot = text.firstIndex(of: "."), let colon = text.firstIndex(of: ":"), dot < colon,
            !text[..<dot].contains(" ")
        {
            text = String(text[text.index(after: dot)...])
        }
        let printable = text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }
        let clean = String(String.UnicodeScalarView(printable.prefix(160)))
        return clean.isEmpty || clean.contains("(") ? "not valid DER" : clean
    }
}
