import Foundation

/// A timestamped, direction-tagged transcript of every byte between host and module (`--trace`).
///
/// Text is written with C-style escapes (`\r`, `\n`, `\x00`); binary blocks (SOCKW data, SOCKR data)
/// are written as hex with their length. Example:
///
///     2026-11-29T06:40:01.123456Z host> "AT+S.SOCKW=0,5\r"
///     2026-11-29T06:40:01.123498Z host> [5 bytes] 68 65 6c 6c 6f
///     2026-11-29T06:40:01.123871Z <mod  "\r\nOK\r\n"
///
/// Before each error line comes a `note` with the error's log id, code, text and the detail the host does
/// not see (the same line the module logs):
///
///     2026-11-29T06:40:02.000100Z note  E3 61 TLS handshake failed: unknown CA -- server certificate ...
///     2026-11-29T06:40:02.000131Z <mod  "\r\nERROR: TLS handshake failed: unknown CA\r\n"
public final class ModuleTrace: @unchecked Sendable {
    /// Which way bytes went.
    public enum Direction: String, Sendable {
        case fromHost = "host>"
        case toHost = "<mod "
    }

    private let handle: FileHandle
    private let lock = NSLock()

    /// Opens (truncating) a trace file.
    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    /// Records bytes; `binary` marks a data block.
    public func record(_ direction: Direction, _ bytes: some Collection<UInt8>, binary: Bool) {
        guard !bytes.isEmpty else { return }
        var line = ModuleTrace.timestamp() + " " + direction.rawValue + " "
        if binary {
            line += "[\(bytes.count) bytes]"
            for byte in bytes {
                line += " " + ConfigVariable.hexByte(byte).lowercased()
            }
        } else {
            line += "\"" + ModuleTrace.escape(bytes) + "\""
        }
        line += "\n"
        lock.lock()
        defer { lock.unlock() }
        handle.write(Data(line.utf8))
    }

    /// Records a note of the module's own (an error's log id and detail), escaped like text.
    public func note(_ text: String) {
        let line = ModuleTrace.timestamp() + " note  " + ModuleTrace.escape(Array(text.utf8)) + "\n"
        lock.lock()
        defer { lock.unlock() }
        handle.write(Data(line.utf8))
    }

    /// Text with non-printable bytes escaped.
    public static func escape(_ bytes: some Collection<UInt8>) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case 0x0D: text += "\\r"
            case 0x0A: text += "\\n"
            case 0x09: text += "\\t"
            case 0x22: text += "\\\""
            case 0x5C: text += "\\\\"
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "\\x" + ConfigVariable.hexByte(byte).lowercased()
            }
        }
        return text
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
