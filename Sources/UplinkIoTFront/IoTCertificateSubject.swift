import SwiftASN1
import UplinkCredentials
import X509

/// A certificate's subject and issuer attributes under AWS's names (`CommonName`, `Organization`, ...): what JITP
/// templates and `${iot:Certificate.Subject.*}` read. Multi-valued attributes give their first value.
public enum IoTCertificateSubject {
    /// AWS's attribute names and their OIDs.
    static let names: [(String, ASN1ObjectIdentifier)] = {
        let x520: [(String, UInt)] = [
            ("CommonName", 3), ("Country", 6), ("Organization", 10), ("OrganizationalUnit", 11), ("StateName", 8),
            ("Locality", 7), ("DistinguishedNameQualifier", 46), ("SerialNumber", 5), ("Title", 12), ("Surname", 4),
            ("GivenName", 42), ("Initials", 43), ("Pseudonym", 65), ("GenerationQualifier", 44),
        ]
        return x520.map { name, arc in
            let oid: ASN1ObjectIdentifier = [2, 5, 4, arc]
            return (name, oid)
        }
    }()

    /// The attributes of a name, by AWS's names.
    public static func attributes(_ name: DistinguishedName) -> [String: String] {
        var result = [String: String]()
        for (key, oid) in names {
            if let value = name.values(of: oid).first { result[key] = value }
        }
        return result
    }
}
