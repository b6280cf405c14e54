import ATCodec
import Foundation
import Testing
import UplinkDriver
import UplinkModule
import UplinkTestSupport

/// The host driver's SPWF04 HTTP file transfers (`httpGet(saveTo:uploadFrom:)`, `httpPost(uploadFrom:)`) through the
/// module on a real pseudo-terminal, against Python's http.server.
@Suite("Host driver: SPWF04 HTTP file down and up on a pty", .serialized, .timeLimit(.minutes(2)))
struct HTTPFileDriverTests {
    @Test("the command lines, byte for byte; SPWF01 and unsafe names are refused before anything is sent")
    func commandLines() throws {
        let spwf04 = ATDialect.spwf04
        #expect(
            try spwf04.httpGetCommand(host: "h", path: "/f", port: 80, fileDown: "down.txt").bytes
                == Array("AT+S.HTTPGET=h,/f,80,0,,,down.txt,\r".utf8))
        #expect(
            try spwf04.httpGetCommand(host: "h", path: "/f", port: 8080, user: "u", password: "p", fileUp: "up.bin")
                .bytes == Array("AT+S.HTTPGET=h,/f,8080,0,u,p,,up.bin\r".utf8))
        #expect(
            try spwf04.httpPostFileCommand(host: "h", path: "/f", fileUp: "up.bin", port: 443, tls: true).bytes
                == Array("AT+S.HTTPPOST=h,/f,,443,1,,,up.bin\r".utf8))
        // Without files the line is as before.
        #expect(try spwf04.httpGetCommand(host: "h", path: "/f", port: 80).line == "AT+S.HTTPGET=h,/f,80,0")
        #expect(throws: ATCommandError.self) {
            try ATDialect.spwf01.httpGetCommand(host: "h", path: "/", port: 80, fileDown: "down.txt")
        }
        #expect(throws: ATCommandError.self) {
            try spwf04.httpGetCommand(host: "h", path: "/", port: 80, fileDown: "a,b")
        }
        #expect(throws: ATCommandError.self) {
            try spwf04.httpPostFileCommand(host: "h", path: "/", fileUp: "", port: 80)
        }
    }

    @Test("saveTo keeps the body in the module's file; uploadFrom sends a file (POST, or PUT from httpGet); errors")
    func transfers() async throws {
        let peer = try await HTTPPeer.start()
        let rig = try await DriverRig.start(.spwf04) { $0.effectTimeout = .seconds(40) }
        defer {
            Task {
                await rig.stop(); await peer.stop()
            }
        }
        let driver = rig.driver
        try await driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        try await driver.setConfigurationValue("ip_http_get_recv_timeout", "30000")

        // Down: the head comes back, the body stays in the module.
        let saved = try await driver.httpGet(host: "127.0.0.1", path: "/big?n=5000", port: peer.port, saveTo: "big.bin")
        #expect(saved.status == 200)
        #expect(saved.header("Content-Length") == "5000")
        #expect(saved.body.isEmpty)
        let pattern = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        #expect(try await driver.readFile("big.bin") == (0..<5000).map { pattern[$0 % 26] })

        // Up: bytes a form could not carry, including a line that looks like the module's OK.
        let data: [UInt8] = Array("a,b\r\nAT-S.OK\r\n".utf8) + [0x00, 0x1A, 0xFF]
        try await driver.createFile("up.bin", contents: data)
        let posted = try await driver.httpPost(host: "127.0.0.1", path: "/echo", uploadFrom: "up.bin", port: peer.port)
        #expect(posted.status == 200)
        let head = { (method: String) in
            Array(
                ("\(method) /echo HTTP/1.1\r\nHost: 127.0.0.1:\(peer.port)\r\nConnection: close\r\n"
                    + "Content-Type: application/octet-stream\r\nContent-Length: \(data.count)\r\n\r\n").utf8)
        }
        #expect(posted.body == head("POST") + data)
        let put = try await driver.httpGet(host: "127.0.0.1", path: "/echo", port: peer.port, uploadFrom: "up.bin")
        #expect(put.body == head("PUT") + data)
        // Both: the echo of the upload is saved.
        _ = try await driver.httpGet(
            host: "127.0.0.1", path: "/echo", port: peer.port, saveTo: "echo.txt", uploadFrom: "up.bin")
        #expect(try await driver.readFile("echo.txt") == head("PUT") + data)

        // Errors come back as the module's, and the driver goes on.
        do {
            _ = try await driver.httpPost(host: "127.0.0.1", path: "/echo", uploadFrom: "none.bin", port: peer.port)
            Issue.record("a missing file was posted")
        } catch let error as ModuleDriverError {
            #expect(error.moduleError == .fileNotFound)
        }
        do {
            _ = try await driver.httpGet(
                host: "127.0.0.1", path: "/hello", port: peer.port, saveTo: String(repeating: "n", count: 65))
            Issue.record("a bad name was taken")
        } catch let error as ModuleDriverError {
            #expect(error.moduleError == .invalidFileName)
        }
        do {
            _ = try await driver.httpGet(host: "127.0.0.1", path: "/big?n=20000", port: peer.port, saveTo: "big.bin")
            Issue.record("a body past the largest file was saved")
        } catch let error as ModuleDriverError {
            #expect(error.moduleError == .fileTooLarge)
        }
        #expect(try await driver.readFile("big.bin").count == 5000)
        let missing = try await driver.httpGet(host: "127.0.0.1", path: "/missing", port: peer.port, saveTo: "big.bin")
        #expect(missing.status == 404)
        #expect(try await driver.readFile("big.bin").count == 5000)
        let hello = try await driver.httpGet(host: "127.0.0.1", path: "/hello", port: peer.port)
        #expect(hello.body == Array("hello world\n".utf8))
    }
}
