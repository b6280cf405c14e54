import ATCodec
import Testing

/// The host session reading HTTPGET/HTTPPOST replies: the response as one stream, split anywhere on the wire.
@Suite("AT host session: HTTP responses as streams", .timeLimit(.minutes(1)))
struct ATHTTPStreamTests {
    static let response = Array(
        "HTTP/1.0 200 OK\r\nServer: peer\r\nContent-Length: 17\r\n\r\nline\r\nOK then\r\nend".utf8)

    /// Submits an HTTPGET and feeds `reply` in chunks of `chunk` bytes; returns the exchange's result.
    private func run(_ dialect: ATDialect, _ reply: [UInt8], chunk: Int, limit: Int = 270_000)
        -> Result<ATHostSession.Response, ATHostSession.Failure>?
    {
        var session = ATHostSession(dialect: dialect)
        let command = try? dialect.httpGetCommand(host: "h", path: "/", port: 80, limit: limit)
        guard let command else { return nil }
        var (_, effects) = session.submit(command)
        var offset = 0
        while offset < reply.count {
            effects += session.receive(reply[offset..<min(reply.count, offset + chunk)])
            offset += chunk
        }
        for case .completed(_, let result) in effects { return result }
        return nil
    }

    @Test(
        "SPWF01: the bytes up to the final OK line; a body line that starts like OK is body",
        arguments: [1, 3, 7, 4096])
    func spwf01(chunk: Int) throws {
        let result = run(.spwf01, Self.response + Array("\r\nOK\r\n".utf8), chunk: chunk)
        let response = try #require(try result?.get())
        #expect(response.data == Self.response)
        let parsed = try ATHTTPResponse.parse(response.data)
        #expect(parsed.status == 200 && parsed.header("content-length") == "17")
        #expect(parsed.body == Array("line\r\nOK then\r\nend".utf8))
    }

    @Test("SPWF04: the bytes up to the SUB line, then AT-S.OK", arguments: [1, 5, 4096])
    func spwf04(chunk: Int) throws {
        let reply = Self.response + [0x0D, 0x0A, 0x1A, 0x1A, 0x1A, 0x0D, 0x0A, 0x0D, 0x0A] + Array("AT-S.OK\r\n".utf8)
        let response = try #require(try run(.spwf04, reply, chunk: chunk)?.get())
        #expect(response.data == Self.response)
        #expect(ATDialect.spwf04.httpResponseTrailer == [0x0D, 0x0A, 0x1A, 0x1A, 0x1A, 0x0D, 0x0A, 0x0D, 0x0A])
    }

    @Test("an error line, at once or after part of the response, fails the exchange with its catalogue entry")
    func errors() {
        #expect(
            run(.spwf01, Array("\r\nERROR: host not found\r\n".utf8), chunk: 2)
                == .failure(.module(.httpHostNotFound)))
        #expect(
            run(.spwf01, Array("HTTP/1.0 200 OK\r\n\r\n0123\r\nERROR: HTTP receive timed out\r\n".utf8), chunk: 1)
                == .failure(.module(.httpReceiveTimedOut)))
        #expect(
            run(.spwf04, Array("AT-S.ERROR:12:Failed to connect\r\n".utf8), chunk: 3)
                == .failure(.module(.connectionFailed)))
        #expect(
            run(
                .spwf04, Array("HTTP/1.0 200 OK\r\n\r\n0123\r\nAT-S.ERROR:87:HTTP response too large\r\n".utf8),
                chunk: 4)
                == .failure(.module(.httpResponseTooLarge)))
    }

    @Test("a stream past its limit is a protocol violation, not unbounded memory")
    func limit() {
        let reply = [UInt8](repeating: 0x41, count: 5000)
        guard case .failure(.protocolViolation) = run(.spwf01, reply, chunk: 100, limit: 1000) else {
            Issue.record("no protocol violation")
            return
        }
    }

    @Test("responses that are not HTTP are refused by the parser")
    func parseErrors() {
        #expect(throws: ATHTTPResponseError.noHeadEnd) { try ATHTTPResponse.parse(Array("HTTP/1.0 200 OK\r\n".utf8)) }
        #expect(throws: ATHTTPResponseError.badStatusLine) { try ATHTTPResponse.parse(Array("SPAM\r\n\r\n".utf8)) }
        #expect(throws: ATHTTPResponseError.badStatusLine) {
            try ATHTTPResponse.parse(Array("HTTP/1.0 2x0 OK\r\n\r\n".utf8))
        }
        #expect(throws: ATHTTPResponseError.badHeader) {
            try ATHTTPResponse.parse(Array("HTTP/1.1 204 No Content\r\nnocolon\r\n\r\n".utf8))
        }
        let empty = try? ATHTTPResponse.parse(Array("HTTP/1.1 204\r\n\r\n".utf8))
        #expect(empty?.status == 204 && empty?.reason == "" && empty?.body == [])
    }
}
