import Foundation
import Logging
import Synchronization
import UplinkFiles

/// A timestamped, direction-tagged transcript of every byte between host and module (`--trace`).
///
/// Text is written with C-style escapes (`\r`, `\n`, `\x00`); binary blocks (SOCKW data, SOCKR data)
/// are written as hex with their length. Example:
///
///     2026-11-29T06:40:01.123456Z host> "AT+S.SOCKW=0,5\r"
///     2026-11-29T06:40:01.123498Z host> [5 bytes] 68 65 6c 6c 6f
///     2026-11-29T06:40:01.123871Z <mod  "\r\nOK\r\n"
///
/// Before each error line comes a `note` with the error's log id, code, text and the detail the host does not see
/// (the same line the module logs):
///
///     2026-11-29T06:40:02.000100Z note  E3 61 TLS handshake failed: unknown CA -- server certificate ...
///     2026-11-29T06:40:02.000131Z <mod  "\r\nERROR: TLS handshake failed: unknown CA\r\n"
///
/// Secrets are left out unless ``redactsSecrets`` is false (`--trace-secrets`): a private key sent with
/// AT+S.TLSCERT is written as its length only (`[121 bytes] (redacted: TLS key)`), and the values of the
/// Wi-Fi secrets (`wifi_wpa_psk_text`, `wifi_wpa_psk_raw`, `wifi_wep_keys[n]`, in SCFG lines, GCFG and AT&V
/// replies) as `<redacted>` (``TraceRedactor``). The file is created with mode 0600 (``AtomicFile``), and a
/// symbolic link in its place is refused. A write that fails (a full disk) ends the trace — logged once — and
/// never the module.

public final class ModuleTrace: @unchecked Sendable {
    /// Which way bytes went.
    public enum Direction: String, Sendable {
        case fromHost = "host>"
        case toHost = "<mod "
    }

    /// Whether key material and Wi-Fi secrets are left out (the default).
    public let redactsSecrets: Bool
    private let path: String
    private let logger: Logger
    private let lock = Mutex(())
    /// The open file; `-1` once a write failed.
    private var descriptor: Int32
    private var fromHost = TraceRedactor()
    private var toHost = TraceRedactor()

    /// Creates (truncating) a trace file with mode 0600; a symbolic link at `path` is refused. With
    /// `redactSecrets` false, keys and passphrases are written as they went. A write that fails later is logged
    /// on `logger` once and ends the trace.
    public init(
        path: String, redactSecrets: Bool = true,
        logger: Logger = Logger(label: "uplink.trace", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(AtomicFileError) {
        self.path = path
        self.redactsSecrets = redactSecrets
        self.logger = logger
        descriptor = try AtomicFile.createForAppending(path, mode: 0o600)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Whether the trace is still written (false once a write failed).
    public var isWriting: Bool {
        lock.withLock { _ in
            return descriptor >= 0
        }
    }

    /// Records bytes; `binary` marks a data block, `secret` a block of key material (written as its length
    /// only unless secrets are kept).
    public func record(_ direction: Direction, _ bytes: some Collection<UInt8>, binary: Bool, secret: Bool = false) {
        guard !bytes.isEmpty else { return }
        lock.withLock { _ in
            guard descriptor >= 0 else { return }
            var line = ModuleTrace.timestamp() + " " + direction.rawValue + " "
            if binary {
                line += "[\(bytes.count) bytes]"
                if secret && redactsSecrets {
                    line += " (redacted: TLS key; --trace-secrets keeps it)"
                } else {
                    for byte in bytes {
                        line += " " + ConfigVariable.hexByte(byte).lowercased()
                    }
                }
            } else if redactsSecrets {
                let kept = direction == .fromHost ? fromHost.redact(bytes) : toHost.redact(bytes)
                line += "\"" + EscapedBytes.text(kept) + "\""
            } else {
                line += "\"" + EscapedBytes.text(bytes) + "\""
            }
            append(line + "\n")
        }
    }

    /// Records a note of the module's own (an error's log id and detail), escaped like text.
    public func note(_ text: String) {
        lock.withLock { _ in
            guard descriptor >= 0 else { return }
            append(ModuleTrace.timestamp() + " note  " + EscapedBytes.text(Array(text.utf8)) + "\n")
        }
    }

    /// Writes a line; on failure closes the file, logs why, and writes nothing more. Called with the lock held.
    private func append(_ line: String) {
        do {
            try AtomicFile.writeAll(line.utf8, to: descriptor, path: path)
        } catch {
            close(descriptor)
            descriptor = -1
            logger.error("trace stopped: \(error); the module goes on without it")
        }
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = time_t(now.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let micros = String(now.tv_nsec / 1000)
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: max(0, 6 - micros.count)) + micros + "Z"
    }
}
