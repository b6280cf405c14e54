import Foundation

/// One control-plane request, as it comes off HTTP (or from `uplink iot <operation>` without HTTP).
public struct IoTAPIRequest: Sendable {
    /// `GET`, `POST`, `PUT`, `DELETE`.
    public var method: String
    /// The path as sent, percent-encoded (`/attached-policies/arn%3Aaws%3A...`).
    public var rawPath: String
    /// The query string as sent, without `?`.
    public var rawQuery: String
    /// Header names lowercased.
    public var headers: [String: String]
    /// The body.
    public var body: [UInt8]

    public init(
        method: String, rawPath: String, rawQuery: String = "", headers: [String: String] = [:], body: [UInt8] = []
    ) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
        self.body = body
    }

    /// The path's segments, percent-decoded (`nil` for a segment that is not valid percent-encoding).
    var segments: [String?] {
        rawPath.split(separator: "/", omittingEmptySubsequences: true).map { String($0).removingPercentEncoding }
    }

    /// Query parameters, decoded (`+` is a space as in forms; the last of repeated names wins).
    var query: [String: String] {
        var result = [String: String]()
        for pair in rawQuery.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            result[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }
}

/// A control-plane answer: status, headers and a JSON body.
public struct IoTAPIResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A 200 with a JSON object.
    static func ok(_ object: [String: Any]) -> IoTAPIResponse {
        IoTAPIResponse(status: 200, headers: ["Content-Type": "application/json"], body: IoTJSON.encode(object))
    }

    /// The AWS error shape: `x-amzn-ErrorType` and `{"message": ...}` (plus extra fields).
    public init(error: IoTAPIError) {
        var object: [String: Any] = ["message": error.message]
        for (key, value) in error.fields { object[key] = value }
        self.init(
            status: error.status,
            headers: ["Content-Type": "application/json", "x-amzn-ErrorType": error.type],
            body: IoTJSON.encode(object))
    }
}

/// JSON in and out with Foundation's serializer; inputs checked field by field with AWS's errors.
enum IoTJSON {
    static func encode(_ object: [String: Any]) -> [UInt8] {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else {
            return Array(#"{"message":"response encoding failed"}"#.utf8)
        }
        return Array(data)
    }

    /// The body as a JSON object; an empty body is an empty object.
    static func object(_ body: [UInt8]) throws(IoTAPIError) -> [String: Any] {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        guard let value = try? JSONSerialization.jsonObject(with: Data(body)), let object = value as? [String: Any]
        else { throw .invalidRequest("The request body is not a JSON object.") }
        return object
    }

    static func string(_ object: [String: Any], _ key: String) throws(IoTAPIError) -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let text = value as? String else { throw .invalidRequest("\(key) must be a string.") }
        return text
    }

    static func requiredString(_ object: [String: Any], _ key: String) throws(IoTAPIError) -> String {
        guard let text = try string(object, key) else { throw .invalidRequest("\(key) is required.") }
        return text
    }

    static func bool(_ object: [String: Any], _ key: String) throws(IoTAPIError) -> Bool? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber else { throw .invalidRequest("\(key) must be a boolean.") }
        return number.boolValue
    }

    static func dictionary(_ object: [String: Any], _ key: String) throws(IoTAPIError) -> [String: Any]? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let dictionary = value as? [String: Any] else { throw .invalidRequest("\(key) must be an object.") }
        return dictionary
    }

    /// Epoch seconds, as AWS's JSON carries timestamps.
    static func date(_ date: Date) -> Double { (date.timeIntervalSince1970 * 1000).rounded() / 1000 }
}
