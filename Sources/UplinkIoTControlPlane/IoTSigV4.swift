import Crypto
import Foundation

/// The SigV4 check of the control plane.
///
/// Every request must carry `Authorization: AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/iot/aws4_request,
/// SignedHeaders=..., Signature=<64 hex>` and `X-Amz-Date`, as awscli sends them. The signature itself is verified
/// only when the front knows the secret of that access key (``IoTControlPlaneSettings/credentials``): with dummy
/// credentials nobody can know it, so by default a well-formed signature is accepted as it stands.
public enum IoTSigV4 {
    /// The parts of an `Authorization` header.
    public struct Authorization: Sendable, Equatable {
        public var accessKeyId: String
        public var date: String
        public var region: String
        public var service: String
        public var signedHeaders: [String]
        public var signature: String
    }

    /// Parses and checks `request`'s signature headers; verifies the signature when `secrets` holds the key.
    public static func check(_ request: IoTAPIRequest, secrets: [String: String]) throws(IoTAPIError) {
        guard let header = request.headers["authorization"] else {
            throw IoTAPIError("MissingAuthenticationTokenException", 403, "Missing Authentication Token")
        }
        let authorization = try parse(header)
        guard authorization.service == "iot" else {
            throw IoTAPIError(
                "InvalidSignatureException", 403,
                "Credential should be scoped to correct service: 'iot'. (the request's scope names '\(authorization.service)')"
            )
        }
        guard let amzDate = request.headers["x-amz-date"], amzDate.count == 16, amzDate.hasPrefix(authorization.date)
        else {
            throw IoTAPIError(
                "IncompleteSignatureException", 400,
                "X-Amz-Date is missing or does not match the credential scope's date \(authorization.date).")
        }
        for name in authorization.signedHeaders where request.headers[name] == nil {
            throw IoTAPIError("IncompleteSignatureException", 400, "Signed header \(name) is missing from the request.")
        }
        guard let secret = secrets[authorization.accessKeyId] else {
            if !secrets.isEmpty {
                throw IoTAPIError(
                    "UnrecognizedClientException", 403, "The security token included in the request is invalid.")
            }
            return
        }
        let expected = signature(request, authorization: authorization, amzDate: amzDate, secret: secret)
        guard expected == authorization.signature else {
            throw IoTAPIError(
                "SignatureDoesNotMatchException", 403,
                "The request signature we calculated does not match the signature you provided.")
        }
    }

    /// Parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
    public static func parse(_ header: String) throws(IoTAPIError) -> Authorization {
        let incomplete = { (why: String) in
            IoTAPIError("IncompleteSignatureException", 400, "Authorization header is malformed: \(why)")
        }
        let prefix = "AWS4-HMAC-SHA256 "
        guard header.hasPrefix(prefix) else { throw incomplete("it must start with AWS4-HMAC-SHA256") }
        var fields = [String: String]()
        for part in header.dropFirst(prefix.count).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(
                separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { throw incomplete("'\(part)' is not name=value") }
            fields[String(pair[0])] = String(pair[1])
        }
        guard let credential = fields["Credential"], let signedHeaders = fields["SignedHeaders"],
            let signature = fields["Signature"]
        else { throw incomplete("Credential, SignedHeaders and Signature are all required") }
        let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 5, !scope[0].isEmpty, scope[1].count == 8, scope[1].allSatisfy(\.isNumber),
            !scope[2].isEmpty, scope[4] == "aws4_request"
        else { throw incomplete("Credential must be <key>/<yyyymmdd>/<region>/<service>/aws4_request") }
        guard signature.count == 64, signature.allSatisfy(\.isHexDigit) else {
            throw incomplete("Signature must be 64 hex digits")
        }
        let headers = signedHeaders.split(separator: ";").map { String($0).lowercased() }
        guard headers.contains("host") else { throw incomplete("SignedHeaders must include host") }
        return Authorization(
            accessKeyId: scope[0], date: scope[1], region: scope[2], service: scope[3], signedHeaders: headers,
            signature: signature.lowercased())
    }

    /// The signature botocore computes for `request` (path encoded once more, as for every service but S3).
    static func signature(_ request: IoTAPIRequest, authorization: Authorization, amzDate: String, secret: String)
        -> String
    {
        let canonicalHeaders = authorization.signedHeaders.map { name in
            let value = request.headers[name] ?? ""
            let collapsed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            return "\(name):\(collapsed)\n"
        }.joined()
        var queryPairs = [(String, String)]()
        for pair in request.rawQuery.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            queryPairs.append((uriEncode(name), uriEncode(value)))
        }
        queryPairs.sort { (a: (String, String), b: (String, String)) -> Bool in a.0 == b.0 ? a.1 < b.1 : a.0 < b.0 }
        let canonicalQuery = queryPairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let path = request.rawPath.isEmpty ? "/" : request.rawPath
        let canonicalPath = path.split(separator: "/", omittingEmptySubsequences: false).map {
            uriEncode(String($0))
        }.joined(separator: "/")
        let canonicalRequest = [
            request.method, canonicalPath, canonicalQuery, canonicalHeaders,
            authorization.signedHeaders.joined(separator: ";"), hex(SHA256.hash(data: request.body)),
        ].joined(separator: "\n")
        let scope = "\(authorization.date)/\(authorization.region)/\(authorization.service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Array(("AWS4" + secret).utf8))
        for part in [authorization.date, authorization.region, authorization.service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    private static func uriEncode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
