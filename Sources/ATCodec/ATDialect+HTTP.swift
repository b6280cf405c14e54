extension ATDialect {
    /// What the module prints between the last byte of an HTTPGET/HTTPPOST response and its OK line: nothing on
    /// SPWF01 (its OK line starts with CR LF); on SPWF04 CR LF, three SUB bytes (0x1A), CR LF, and an empty line, as
    /// GHI's SPWF04 driver reads it (`<CR><LF><SUB><SUB><SUB><CR><LF><CR><LF>` then `AT-S.OK`).
    public var httpResponseTrailer: [UInt8] {
        switch family {
        case .spwf01: return []
        case .spwf04: return [0x0D, 0x0A, 0x1A, 0x1A, 0x1A, 0x0D, 0x0A, 0x0D, 0x0A]
        }
    }
}

extension ATDialect {
    /// Where the host finds the end of an HTTP response in the module's output: SPWF01's OK line (left to be read
    /// as the reply's OK), SPWF04's SUB line (consumed; `AT-S.OK` follows); an error line ends it too.
    public func httpStreamEnd(limit: Int) -> ATStreamEnd {
        switch family {
        case .spwf01:
            return ATStreamEnd(
                marker: Array("\r\nOK\r\n".utf8), keepsMarker: true, errorPrefix: Array(errorPrefix.utf8), limit: limit)
        case .spwf04:
            return ATStreamEnd(
                marker: Array(httpResponseTrailer.prefix(7)), keepsMarker: false, errorPrefix: Array(errorPrefix.utf8),
                limit: limit)
        }
    }

    /// `AT+S.HTTPGET`: SPWF01 `<host>,<path>,<port>`; SPWF04 `<host>,<path>,<port>,<TLS 0|1>[,<user>,<password>]`
    /// and, with files, `,<file down>,<file up>` (a file named in `fileDown` receives the response body; the one in
    /// `fileUp` is sent, as a PUT). `tls`, `user`, `password` and the files are SPWF04's only.
    public func httpGetCommand(
        host: String, path: String, port: Int, tls: Bool = false, user: String? = nil, password: String? = nil,
        fileDown: String? = nil, fileUp: String? = nil, limit: Int = 270_000
    ) throws(ATCommandError) -> ATHostCommand {
        try httpCommand(
            "AT+S.HTTPGET", host: host, path: path, form: nil, port: port, tls: tls, user: user,
            password: password, files: fileDown != nil || fileUp != nil ? [fileDown ?? "", fileUp ?? ""] : [],
            limit: limit)
    }

    /// SPWF04 `AT+S.HTTPPOST=<host>,<path>,,<port>,<TLS 0|1>,<user>,<password>,<file up>`: the module file `fileUp`
    /// posted as the body (`application/octet-stream`) instead of a form.
    public func httpPostFileCommand(
        host: String, path: String, fileUp: String, port: Int, tls: Bool = false, user: String? = nil,
        password: String? = nil, limit: Int = 270_000
    ) throws(ATCommandError) -> ATHostCommand {
        guard !fileUp.isEmpty else { throw .unsafeParameter(fileUp) }
        return try httpCommand(
            "AT+S.HTTPPOST", host: host, path: path, form: "", port: port, tls: tls, user: user, password: password,
            files: [fileUp], limit: limit)
    }

    /// `AT+S.HTTPPOST` of a form (already `application/x-www-form-urlencoded`, so without commas): SPWF01
    /// `<host>,<path>,<form>,<port>`; SPWF04 `<host>,<path>,<form>,<port>,<TLS 0|1>[,<user>,<password>]`.
    public func httpPostCommand(
        host: String, path: String, form: String, port: Int, tls: Bool = false, user: String? = nil,
        password: String? = nil, limit: Int = 270_000
    ) throws(ATCommandError) -> ATHostCommand {
        try httpCommand(
            "AT+S.HTTPPOST", host: host, path: path, form: form, port: port, tls: tls, user: user,
            password: password, files: [], limit: limit)
    }

    private func httpCommand(
        _ name: String, host: String, path: String, form: String?, port: Int, tls: Bool, user: String?,
        password: String?, files: [String], limit: Int
    ) throws(ATCommandError) -> ATHostCommand {
        guard (1...65_535).contains(port) else { throw .outOfRange("port", port) }
        guard !host.isEmpty, host.utf8.count <= 253 else { throw .unsafeParameter(host) }
        guard path.utf8.first == 0x2F, !path.utf8.contains(0x20) else { throw .unsafeParameter(path) }
        var parameters = [host, path] + (form.map { [$0] } ?? []) + [String(port)]
        switch family {
        case .spwf01:
            guard !tls, user == nil, password == nil, files.isEmpty else {
                throw .unsafeParameter("SPWF01 has no TLS, user or files")
            }
        case .spwf04:
            parameters.append(tls ? "1" : "0")
            if user != nil || password != nil || !files.isEmpty { parameters += [user ?? "", password ?? ""] }
            parameters += files
        }
        return try ATHostCommand(name, parameters, reply: .stream(limit: limit))
    }
}
