import Foundation
import Testing
import UplinkCredentials
import UplinkModule
import UplinkTestSupport

/// SPWF04 HTTPGET `<file down>` and HTTPGET/HTTPPOST `<file up>` against a real HTTP server
/// (`Tests/Host/http_peer.py`): what the host sees byte for byte, and what the module's file system holds after.
@Suite("HTTP client: SPWF04 file down and file up", .serialized, .timeLimit(.minutes(3)))
struct HTTPFileTransferTests {
    static let wire = Wire.spwf04
    static let date = HTTPClientTests.date
    static let end = HTTPClientTests.end(.spwf04)

    static func head(_ status: String, type: String = "text/plain", length: Int) -> String {
        "HTTP/1.0 \(status)\r\nServer: peer\r\n\(date)Content-Type: \(type)\r\nContent-Length: \(length)\r\n\r\n"
    }

    @Test("file down: the head is printed, the body goes to the file (replaced whole); a 404 leaves it as it was")
    func download() async throws {
        let wire = Self.wire
        try await HTTPClientTests.withPeer(wire) { host, peer in
            try await host.send("AT+S.HTTPGET=127.0.0.1,/hello,\(peer.port),0,,,hello.txt,\r")
            try await host.expect(Self.head("200 OK", length: 12) + Self.end, timeout: .seconds(20))
            try await host.send("AT+S.FSP=hello.txt,0,12\r")
            try await host.expect("AT-S.Reading:12:12\r\nhello world\n" + wire.ok)
            // A second download to the same name replaces the file (not an append).
            try await host.send("AT+S.HTTPGET=127.0.0.1,/big?n=100,\(peer.port),NULL,NULL,NULL,hello.txt,NULL\r")
            try await host.expect(
                Self.head("200 OK", type: "application/octet-stream", length: 100) + Self.end, timeout: .seconds(20))
            try await host.send("AT+S.FSL\r")
            try await host.expect("AT-S.File:1:100:hello.txt\r\n" + wire.ok)
            try await host.send("AT+S.FSP=hello.txt,0,30\r")
            try await host.expect("AT-S.Reading:30:100\r\nabcdefghijklmnopqrstuvwxyzabcd" + wire.ok)
            // Not 2xx: the head tells the host; the body is neither printed nor saved.
            try await host.send("AT+S.HTTPGET=127.0.0.1,/missing,\(peer.port),0,,,hello.txt,\r")
            try await host.expect(Self.head("404 Not Found", length: 13) + Self.end, timeout: .seconds(20))
            try await host.send("AT+S.FSL\r")
            try await host.expect("AT-S.File:1:100:hello.txt\r\n" + wire.ok)
            // A 404 to a new name creates nothing.
            try await host.send("AT+S.HTTPGET=127.0.0.1,/missing,\(peer.port),0,,,new.txt,\r")
            try await host.expect(Self.head("404 Not Found", length: 13) + Self.end, timeout: .seconds(20))
            try await host.send("AT+S.FSL=new.txt\r")
            try await host.expect(wire.error(80, "File not found"))
            // A chunked body is saved decoded.
            try await host.send("AT+S.HTTPGET=127.0.0.1,/chunked,\(peer.port),0,,,chunked.txt,\r")
            try await host.expect(
                "HTTP/1.1 200 OK\r\nServer: peer\r\n\(Self.date)Content-Type: text/plain\r\nConnection: close\r\n\r\n"
                    + Self.end, timeout: .seconds(20))
            try await host.send("AT+S.FSP=chunked.txt,0,19\r")
            try await host.expect("AT-S.Reading:19:19\r\nhello chunked world" + wire.ok)
            #expect(try await host.drain() == "")
        }
    }

    @Test("file up: POST sends the file as application/octet-stream; GET sends it as a PUT; with file down too")
    func upload() async throws {
        let wire = Self.wire
        try await HTTPClientTests.withPeer(wire) { host, peer in
            // Bytes a form could not hold: a comma, CR LF, a NUL and a high byte.
            let data: [UInt8] = Array("a,b\r\nOK\r\n".utf8) + [0x00, 0xFF]
            try await host.send("AT+S.FSC=up.bin,\(data.count)\r")
            try await host.send(bytes: data)
            try await host.expect(wire.ok)
            func echoed(_ method: String) -> [UInt8] {
                Array(
                    ("\(method) /echo HTTP/1.1\r\nHost: 127.0.0.1:\(peer.port)\r\nConnection: close\r\n"
                        + "Content-Type: application/octet-stream\r\nContent-Length: \(data.count)\r\n\r\n").utf8)
                    + data
            }
            for (command, method) in [
                ("AT+S.HTTPPOST=127.0.0.1,/echo,,\(peer.port),0,,,up.bin\r", "POST"),
                ("AT+S.HTTPPOST=127.0.0.1,/echo,NULL,\(peer.port),NULL,NULL,NULL,up.bin\r", "POST"),
                ("AT+S.HTTPGET=127.0.0.1,/echo,\(peer.port),0,,,,up.bin\r", "PUT"),
            ] {
                let body = echoed(method)
                try await host.send(command)
                try await host.expect(Self.head("200 OK", length: body.count), timeout: .seconds(20))
                #expect(try await host.next(body.count, timeout: .seconds(20)) == body)
                try await host.expect(Self.end, timeout: .seconds(20))
            }
            // Up and down at once: the file goes up, the echo comes down into another file.
            let body = echoed("PUT")
            try await host.send("AT+S.HTTPGET=127.0.0.1,/echo,\(peer.port),0,,,echo.txt,up.bin\r")
            try await host.expect(Self.head("200 OK", length: body.count) + Self.end, timeout: .seconds(20))
            try await host.send("AT+S.FSP=echo.txt,0,\(body.count)\r")
            try await host.expect("AT-S.Reading:\(body.count):\(body.count)\r\n")
            #expect(try await host.next(body.count, timeout: .seconds(20)) == body)
            try await host.expect(wire.ok)
            #expect(try await host.drain() == "")
        }
    }

    @Test("bad input: missing file, bad name, form and file, a body too large, a full volume; nothing half-written")
    func badInput() async throws {
        let wire = Self.wire
        try await HTTPClientTests.withPeer(wire) { host, peer in
            let port = peer.port
            // The files are checked before the network: without Wi-Fi a missing file is still File not found.
            try await withHost(wire, joinWiFi: false) { offline in
                try await offline.send("AT+S.HTTPGET=127.0.0.1,/echo,\(port),0,,,,none.bin\r")
                try await offline.expect(wire.error(80, "File not found"))
                try await offline.send("AT+S.HTTPGET=127.0.0.1,/echo,\(port),0,,,new.txt,\r")
                try await offline.expect(wire.error(15, "WiFi not connected"))
            }
            try await host.send("AT+S.HTTPPOST=127.0.0.1,/echo,,\(port),0,,,none.bin\r")
            try await host.expect(wire.error(80, "File not found"))
            try await host.send("AT+S.HTTPGET=127.0.0.1,/echo,\(port),0,,,,none.bin\r")
            try await host.expect(wire.error(80, "File not found"))
            let long = String(repeating: "n", count: 65)
            try await host.send("AT+S.HTTPGET=127.0.0.1,/hello,\(port),0,,,\(long),\r")
            try await host.expect(wire.error(83, "Invalid file name"))
            try await host.send("AT+S.HTTPPOST=127.0.0.1,/echo,a=1,\(port),0,,,up.bin\r")
            try await host.expect(wire.error(3, "Invalid arguments"))
            // A body past the largest file (16 384 bytes): the head, then the error; the file keeps its old content.
            try await host.send("AT+S.FSC=keep.txt,4\rkeep")
            try await host.expect(wire.ok)
            try await host.send("AT+S.HTTPGET=127.0.0.1,/big?n=16385,\(port),0,,,keep.txt,\r")
            try await host.expect(
                Self.head("200 OK", type: "application/octet-stream", length: 16_385)
                    + wire.error(82, "File too large"),
                timeout: .seconds(20))
            try await host.send("AT+S.FSP=keep.txt,0,4\r")
            try await host.expect("AT-S.Reading:4:4\r\nkeep" + wire.ok)
            // Exactly the largest file fits.
            try await host.send("AT+S.HTTPGET=127.0.0.1,/big?n=16384,\(port),0,,,keep.txt,\r")
            try await host.expect(
                Self.head("200 OK", type: "application/octet-stream", length: 16_384) + Self.end, timeout: .seconds(20))
            try await host.send("AT+S.FSL=keep.txt\r")
            try await host.expect("AT-S.File:1:16384:keep.txt\r\n" + wire.ok)
            // Fill the volume (8 files of 16 384 bytes in all): a download to a new name is refused after the head.
            let block = [UInt8](repeating: 0x66, count: 16_384)
            for index in 1..<8 {
                try await host.send("AT+S.FSC=f\(index),\(block.count)\r")
                try await host.send(bytes: block)
                try await host.expect(wire.ok)
            }
            try await host.send("AT+S.HTTPGET=127.0.0.1,/hello,\(port),0,,,new.txt,\r")
            try await host.expect(
                Self.head("200 OK", length: 12) + wire.error(84, "File system full"), timeout: .seconds(20))
            try await host.send("AT+S.FSL=new.txt\r")
            try await host.expect(wire.error(80, "File not found"))
            // Replacing a file frees its room first: a full volume still takes a smaller body under an existing name.
            try await host.send("AT+S.HTTPGET=127.0.0.1,/hello,\(port),0,,,keep.txt,\r")
            try await host.expect(Self.head("200 OK", length: 12) + Self.end, timeout: .seconds(20))
            try await host.send("AT+S.FSP=keep.txt,0,12\r")
            try await host.expect("AT-S.Reading:12:12\r\nhello world\n" + wire.ok)
            #expect(try await host.drain() == "")
        }
    }

    @Test("over HTTPS (the CA slot): a file goes up and the answer comes down into another file")
    func https() async throws {
        let wire = Self.wire
        try await HTTPClientTests.withHTTPSPeer(wire) { host, peer in
            try await host.send("AT+S.FSC=up.txt,5\rhello")
            try await host.expect(wire.ok)
            let body =
                "PUT /echo HTTP/1.1\r\nHost: localhost:\(peer.port)\r\nConnection: close\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\nhello"
            try await host.send("AT+S.HTTPGET=localhost,/echo,\(peer.port),1,,,down.txt,up.txt\r")
            try await host.expect(Self.head("200 OK", length: body.utf8.count) + Self.end, timeout: .seconds(20))
            try await host.send("AT+S.FSP=down.txt,0,\(body.utf8.count)\r")
            try await host.expect("AT-S.Reading:\(body.utf8.count):\(body.utf8.count)\r\n" + body + wire.ok)
            #expect(try await host.drain() == "")
        }
    }
}
