import ATCodec
import NIOCore

extension ModuleDriver {
    /// HTTP GET through the module's own HTTP client (`AT+S.HTTPGET`): the response's status, headers and body.
    /// `tls`, `user` and `password` need an SPWF04 (TLS verifies the server with the module's CA slot). The module's
    /// errors come back as ``ModuleDriverError/module(command:error:)`` (`host not found`, `Failed to connect`,
    /// `HTTP receive timed out`...).
    ///
    /// SPWF04 files: with `saveTo`, a 2xx response's body is saved to that module file instead of coming back (the
    /// response returned has the head and an empty body; another status leaves the file as it was); with
    /// `uploadFrom`, that module file is sent as the body of a PUT.
    public func httpGet(
        host: String, path: String, port: Int = 80, tls: Bool = false, user: String? = nil, password: String? = nil,
        saveTo: String? = nil, uploadFrom: String? = nil, timeout: Duration = .seconds(60)
    ) async throws -> ATHTTPResponse {
        let dialect = await self.dialect
        let request = try command { () throws(ATCommandError) in
            try dialect.httpGetCommand(
                host: host, path: path, port: port, tls: tls, user: user, password: password, fileDown: saveTo,
                fileUp: uploadFrom)
        }
        return try await http(request, timeout: timeout)
    }

    /// HTTP POST of a form (`application/x-www-form-urlencoded`, no commas) through `AT+S.HTTPPOST`.
    public func httpPost(
        host: String, path: String, form: String, port: Int = 80, tls: Bool = false, user: String? = nil,
        password: String? = nil, timeout: Duration = .seconds(60)
    ) async throws -> ATHTTPResponse {
        let dialect = await self.dialect
        let request = try command { () throws(ATCommandError) in
            try dialect.httpPostCommand(
                host: host, path: path, form: form, port: port, tls: tls, user: user, password: password)
        }
        return try await http(request, timeout: timeout)
    }

    /// SPWF04: HTTP POST of a module file (`application/octet-stream`) through `AT+S.HTTPPOST` with `<file up>`.
    public func httpPost(
        host: String, path: String, uploadFrom file: String, port: Int = 80, tls: Bool = false, user: String? = nil,
        password: String? = nil, timeout: Duration = .seconds(60)
    ) async throws -> ATHTTPResponse {
        let dialect = await self.dialect
        let request = try command { () throws(ATCommandError) in
            try dialect.httpPostFileCommand(
                host: host, path: path, fileUp: file, port: port, tls: tls, user: user, password: password)
        }
        return try await http(request, timeout: timeout)
    }

    private func http(_ request: ATHostCommand, timeout: Duration) async throws -> ATHTTPResponse {
        let response = try await send(request, timeout: timeout)
        do {
            return try ATHTTPResponse.parse(response.data)
        } catch {
            throw ModuleDriverError.protocolViolation("\(request.line): not an HTTP response (\(error))")
        }
    }
}
