import ATCodec
import Foundation

/// One HTTPGET or HTTPPOST as the host asked for it, checked: what the module's HTTP client sends.
///
/// SPWF01: `AT+S.HTTPGET=<host>,<path>[,<port>]`, `AT+S.HTTPPOST=<host>,<path>,<form>[,<port>]`.
/// SPWF04: `AT+S.HTTPGET=<host>,<path>,<port>,<TLS>,<user>,<password>,<file down>,<file up>` and
/// `AT+S.HTTPPOST=<host>,<path>,<form>,<port>,<TLS>,<user>,<password>,<file up>`, where every field after the path
/// (the form for POST) may be empty or `NULL`. `<file down>` names the module file the response body is saved to;
/// `<file up>` the module file sent as the request body (GET becomes PUT; POST sends it instead of a form).
struct HTTPClientRequest: Equatable, Sendable {
    enum Method: Equatable, Sendable {
        case get
        /// A POST of `application/x-www-form-urlencoded` content.
        case post(form: String)
    }

    var method: Method
    var host: String
    /// The path and query, starting with `/`.
    var path: String
    var port: Int
    /// Whether the request goes over TLS with the module's credential slots (SPWF04 only).
    var tls: Bool
    /// HTTP basic authentication (SPWF04 only).
    var user: String?
    var password: String?
    /// SPWF04 `<file down>`: the module file the response body is saved to instead of being printed.
    var fileDown: String?
    /// SPWF04 `<file up>`: the module file whose content is the request body.
    var fileUp: String?

    /// The longest host name taken (the resolver's own limit may be lower).
    static let maximumHostLength = 253

    /// Parses the fields of the command line (already split at the console delimiter) for `family`.
    /// Throws ``ATError/invalidArguments`` with the reason in `why` (for the log).
    static func parse(
        _ fields: [Substring], post: Bool, family: ATDialect.Family, why: inout String?
    ) throws(ATError) -> HTTPClientRequest {
        func refuse(_ reason: String) -> ATError {
            why = reason
            return .invalidArguments
        }
        /// A field left empty, or `NULL` as ST's middleware writes it.
        func absent(_ index: Int) -> Bool {
            guard index < fields.count else { return true }
            let field = fields[index]
            return field.isEmpty || field.uppercased() == "NULL"
        }
        func port(_ text: Substring) throws(ATError) -> Int {
            guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let value = Int(text), (1...65_535).contains(value)
            else { throw refuse("port \"\(text)\" is not 1-65535") }
            return value
        }
        let minimum = post ? 3 : 2
        guard fields.count >= minimum else { throw refuse("\(fields.count) fields, at least \(minimum) needed") }
        var request = HTTPClientRequest(
            method: .get, host: String(fields[0]), path: String(fields[1]), port: 80, tls: false, user: nil,
            password: nil, fileDown: nil, fileUp: nil)
        switch family {
        case .spwf01:
            if post {
                // The form may hold commas: a last field of digits, past the form, is the port.
                var formFields = fields[2...]
                if fields.count >= 4, let last = fields.last, last.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    request.port = try port(last)
                    formFields = formFields.dropLast()
                }
                request.method = .post(form: formFields.joined(separator: ","))
            } else {
                guard fields.count <= 3 else { throw refuse("SPWF01 HTTPGET takes <host>,<path>[,<port>]") }
                if fields.count == 3 { request.port = try port(fields[2]) }
            }
        case .spwf04:
            guard fields.count <= 8 else { throw refuse("more than 8 fields") }
            if post { request.method = .post(form: String(fields[2])) }
            let base = post ? 3 : 2
            if !absent(base + 1) {
                switch fields[base + 1] {
                case "0": request.tls = false
                case "1": request.tls = true
                default: throw refuse("TLS must be 0 or 1")
                }
            }
            request.port = absent(base) ? (request.tls ? 443 : 80) : try port(fields[base])
            request.user = absent(base + 2) ? nil : String(fields[base + 2])
            request.password = absent(base + 3) ? nil : String(fields[base + 3])
            // GET: file down, file up; POST: file up (its last field).
            if post {
                request.fileUp = absent(7) ? nil : String(fields[7])
                if request.fileUp != nil, !absent(2) {
                    throw refuse("HTTPPOST takes a form or a <file up>, not both")
                }
                if request.fileUp != nil { request.method = .post(form: "") }
            } else {
                request.fileDown = absent(6) ? nil : String(fields[6])
                request.fileUp = absent(7) ? nil : String(fields[7])
            }
        }
        try request.check(refuse)
        return request
    }

    /// Refuses what would change the request's meaning on the wire (a space or a control byte in the request line,
    /// a CR LF in a header).
    private func check(_ refuse: (String) -> ATError) throws(ATError) {
        guard !host.isEmpty, host.utf8.count <= Self.maximumHostLength,
            host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x2F })
        else { throw refuse("bad host name") }
        guard path.utf8.first == 0x2F, path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw refuse("the path must start with / and hold no space or control byte")
        }
        if case .post(let form) = method, !form.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            throw refuse("the form holds a control or non-ASCII byte")
        }
        for text in [user, password].compactMap({ $0 }) where !text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            throw refuse("the user or password holds a control or non-ASCII byte")
        }
    }

    /// The `Host` header: the name, with the port when it is not the scheme's default.
    var hostHeader: String {
        port == (tls ? 443 : 80) ? host : "\(host):\(port)"
    }

    /// The `Authorization` header's value for basic authentication, when a user is given.
    var authorization: String? {
        guard let user else { return nil }
        return "Basic " + Data("\(user):\(password ?? "")".utf8).base64EncodedString()
    }
}
