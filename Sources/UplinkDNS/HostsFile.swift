#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The host's static name table, `/etc/hosts`: names that resolve before DNS is asked, as they do for
/// the host's own resolver (and for lwIP, which answers `localhost` itself).
///
/// Only IPv4 entries are kept (the module is IPv4-only). A line is an address, then one or more names;
/// `#` starts a comment. A line whose first field is not an IPv4 or IPv6 address, or that has no name,
/// is skipped; IPv6 lines are ignored. Names compare without case and without a trailing dot.
/// `localhost` is always 127.0.0.1 (first), file or no file.
public struct HostsFile: Sendable, Equatable {
    /// Where the host keeps it.
    public static let defaultPath = "/etc/hosts"
    /// The most bytes read from a file; a longer file is read this far, and its last (cut) line dropped.
    public static let maximumFileSize = 1 << 20

    private var table: [String: [[UInt8]]] = [:]

    /// The table of hosts-file text. Parsed as bytes: lines end at LF or CR (so CR LF files work too).
    public init(text: String) {
        let bytes = Array(text.utf8)
        for line in bytes.split(whereSeparator: { $0 == 0x0A || $0 == 0x0D }) {
            let content = line.prefix { $0 != UInt8(ascii: "#") }
            let fields = content.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
            guard fields.count >= 2, let address = HostsFile.ipv4(fields[0]) else { continue }
            for field in fields.dropFirst() {
                guard let name = HostsFile.normalized(String(decoding: field, as: UTF8.self)) else { continue }
                if !(table[name]?.contains(address) ?? false) {
                    table[name, default: []].append(address)
                }
            }
        }
    }

    /// The table of the file at `path`; a missing or unreadable file gives an empty table (`localhost` only).
    public init(path: String = HostsFile.defaultPath) {
        self.init(text: HostsFile.readBounded(path) ?? "")
    }

    /// The IPv4 addresses (4 bytes each, in file order) of `name`, or none.
    public func ipv4Addresses(of name: String) -> [[UInt8]] {
        guard let key = HostsFile.normalized(name) else { return [] }
        let listed = table[key] ?? []
        guard key == "localhost" else { return listed }
        let loopback: [UInt8] = [127, 0, 0, 1]
        return [loopback] + listed.filter { $0 != loopback }
    }

    /// A name as a key: lower case, no trailing dot, 1–253 bytes of printable ASCII; else nil.
    private static func normalized(_ field: String) -> String? {
        var name = field.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, name.utf8.count <= 253, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return nil
        }
        return name
    }

    /// A strict dotted quad (four decimal octets 0–255, no leading zeros); nil for anything else.
    private static func ipv4(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                part.count == 1 || part.first != 0x30
            else { return nil }
            let value = part.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard value <= 255 else { return nil }
            octets.append(UInt8(value))
        }
        return octets
    }

    /// Reads at most ``maximumFileSize`` bytes with POSIX calls; a cut last line is dropped.
    private static func readBounded(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var truncated = false
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            let room = maximumFileSize - bytes.count
            bytes.append(contentsOf: chunk[0..<min(count, room)])
            if count > room {
                truncated = true
                break
            }
        }
        if truncated, let lastNewline = bytes.lastIndex(of: 0x0A) {
            bytes.removeSubrange((lastNewline + 1)...)
        } else if truncated {
            bytes.removeAll()
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
