import Foundation
import Testing
import UplinkCredentials
import UplinkFiles
import UplinkTestSupport

@testable import UplinkModule

/// `--trace`: mode 0600, private keys and Wi-Fi passphrases left out unless `--trace-secrets`, and a trace that
/// cannot be written (a full disk) never takes the module down.
@Suite("Trace: secrets redacted, mode 0600, a failing write is survived", .serialized)
struct TraceSecretsTests {
    static let passphrase = "s3cret-Passphrase"

    private func folder() throws -> String {
        let path = NSTemporaryDirectory() + "uplink-trace-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A private key in PEM, and its first bytes as the trace writes a block: `2d 2d 2d ...`.
    private func key() throws -> (pem: [UInt8], hex: String) {
        let pki = try DevPKI.generate(DevPKI.Options())
        let pem = pki.files.first { $0.name == "ca.key" }?.contents ?? []
        let hex = pem.prefix(40).map { ConfigVariable.hexByte($0).lowercased() }.joined(separator: " ")
        return (pem, hex)
    }

    /// Sends a key to a key slot, the passphrase with SCFG, and asks for it back with GCFG and AT&V.
    private func sendSecrets(_ module: ModuleProcess, key: [UInt8]) async throws {
        module.host.write("AT+S.TLSCERT=key,\(key.count)\r")
        module.host.write(bytes: key)
        _ = try await module.host.read(through: "\r\n", timeout: 10)
        _ = await module.host.drain(wait: 0.2)
        // Typed in pieces, as a slow host would: the name and the value split across reads.
        module.host.write("AT+S.SCFG=wifi_wpa_")
        try await Task.sleep(for: .milliseconds(50))
        module.host.write("psk_text,\(Self.passphrase.prefix(5))")
        try await Task.sleep(for: .milliseconds(50))
        module.host.write("\(Self.passphrase.dropFirst(5))\r")
        _ = try await module.host.read(through: "OK\r\n", timeout: 10)
        module.host.write("AT+S.GCFG=wifi_wpa_psk_text\r")
        _ = try await module.host.read(through: "OK\r\n", timeout: 10)
        module.host.write("AT&V\r")
        _ = try await module.host.read(through: "OK\r\n", timeout: 10)
    }

    @Test("By default: file 0600, no key bytes, no passphrase; the rest of the transcript is there")
    func redactedByDefault() async throws {
        let scratch = try folder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let trace = scratch + "/trace.txt"
        let saved = umask(0o022)
        defer { umask(saved) }
        let module = try await ModuleProcess.start(["--volatile", "--trace", trace])
        let (pem, hex) = try key()
        try await sendSecrets(module, key: pem)
        await module.stop()
        var info = stat()
        #expect(stat(trace, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600, "mode \(String(info.st_mode & 0o777, radix: 8))")
        let text = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
        #expect(!text.contains(hex), "key bytes in the trace")
        #expect(!text.contains(Self.passphrase.suffix(8)), "passphrase in the trace:\n\(text)")
        #expect(!text.contains(Self.passphrase.prefix(5)), "passphrase start in the trace:\n\(text)")
        #expect(text.contains("[\(pem.count) bytes] (redacted: TLS key"), "\(text.prefix(2000))")
        #expect(text.contains("wifi_wpa_psk_text = <redacted>"), "GCFG reply not redacted:\n\(text)")
        #expect(text.contains("AT+S.GCFG=wifi_wpa_psk_text"), "the rest must stay")
    }

    @Test("--trace-secrets keeps them, with a warning on standard error")
    func keptOnRequest() async throws {
        let scratch = try folder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let trace = scratch + "/trace.txt"
        let module = try await ModuleProcess.start(["--volatile", "--trace", trace, "--trace-secrets"])
        let (pem, hex) = try key()
        try await sendSecrets(module, key: pem)
        let log = module.log
        await module.stop()
        let text = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
        #expect(text.contains(hex))
        #expect(text.contains("wifi_wpa_psk_text = \(Self.passphrase)"))
        #expect(log.contains("warning: --trace-secrets"), "\(log)")
    }

    @Test("A trace on a full disk (/dev/full): the module goes on answering, and says the trace stopped")
    func fullDisk() async throws {
        let module = try await ModuleProcess.start(["--volatile", "--trace", "/dev/full"])
        for _ in 0..<5 {
            module.host.write("AT+S.GCFG=ip_hostname\r")
            _ = try await module.host.read(through: "OK\r\n", timeout: 5)
        }
        #expect(module.child.isRunning)
        let log = module.log
        await module.stop()
        #expect(log.contains("trace stopped"), "\(log)")
        #expect(!log.contains("Fatal error"), "\(log)")
    }

    @Test("A symbolic link where the trace goes is refused, naming the reason")
    func symbolicLink() async throws {
        let scratch = try folder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let target = scratch + "/victim"
        FileManager.default.createFile(atPath: target, contents: Data("keep".utf8))
        #expect(symlink(target, scratch + "/trace.txt") == 0)
        let run = try await UplinkExecutable.run(
            ["module", "--volatile", "--trace", scratch + "/trace.txt"], timeout: 30)
        #expect(run.status == 64, "\(run.output)")
        #expect(run.output.contains("symbolic link"), "\(run.output)")
        #expect(FileManager.default.contents(atPath: target) == Data("keep".utf8))
    }

    @Test("The redactor: a secret split anywhere across pieces, in any case, never shows")
    func redactorPieces() {
        let lines = [
            "AT+S.SCFG=wifi_wpa_psk_text,\(Self.passphrase)\r",
            "AT+S.SCFG=WIFI_WPA_PSK_TEXT,\(Self.passphrase)\r",
            "#  wifi_wpa_psk_text = \(Self.passphrase)\r\n",
            "AT+S.SCFG=wifi_wep_keys[0],\(Self.passphrase)\r",
            "AT-S.Var:wifi_wpa_psk_raw=\(Self.passphrase)\r\n",
        ]
        for line in lines {
            let bytes = Array(line.utf8)
            for cut in 1..<bytes.count {
                var redactor = TraceRedactor()
                let kept = redactor.redact(bytes[..<cut]) + redactor.redact(bytes[cut...])
                let text = String(decoding: kept, as: UTF8.self)
                #expect(!text.contains("cret"), "cut \(cut): \(text)")
                #expect(text.contains("<redacted>"), "cut \(cut): \(text)")
            }
        }
        var redactor = TraceRedactor()
        let plain = "AT+S.SCFG=ip_hostname,visible\r\nAT+S.SSIDTXT=net\r"
        #expect(String(decoding: redactor.redact(Array(plain.utf8)), as: UTF8.self) == plain)
    }
}
