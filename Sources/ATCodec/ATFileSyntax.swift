/// How one firmware family's file-system commands look on the wire, as data (see docs/at-commands.md, "Files").
///
/// SPWF01 `FSC` only allocates an empty file of a given size and `FSA` appends the bytes; SPWF04 `FSC` carries
/// the bytes itself (it creates the file or appends to it) and has `FSR` and `FSU`. The module renders `FSL` with
/// ``listLine(name:size:)`` and a host reads it back with ``entry(_:)``, so the two directions cannot drift.
public struct ATFileSyntax: Equatable, Sendable {
    /// Whether `FSC` is followed by the file's bytes (SPWF04) rather than only allocating the file (SPWF01).
    public let createCarriesData: Bool
    /// Whether `FSP` requires `<offset>,<length>` (SPWF04); SPWF01 prints the whole file without them.
    public let printRangeRequired: Bool
    /// What an `FSL` line holds before the size, without the dialect's line prefix (`D ` / `File:1:`).
    public let listPrefix: String
    /// The byte between an `FSL` line's size and its name (a space / `:`).
    public let listSeparator: UInt8

    /// SPWF01 (FW 3.x): `D <size> <name>`, as papnkukn/spwf01sx's parser reads `FSL` (`D`: a file made with FSC).
    public static let spwf01 = ATFileSyntax(
        createCarriesData: false, printRangeRequired: false, listPrefix: "D ", listSeparator: 0x20)
    /// SPWF04 (FW 1.x): `AT-S.File:<volume>:<size>:<name>` (volume 1, the user flash; GHI's driver lists volume,
    /// length and name).
    public static let spwf04 = ATFileSyntax(
        createCarriesData: true, printRangeRequired: true, listPrefix: "File:1:", listSeparator: 0x3A)
}

/// A file as `FSL` lists it.
public struct ATFileEntry: Equatable, Sendable {
    /// The file's name as created (SPWF01 hosts usually write `/name`).
    public var name: String
    /// Its size in bytes.
    public var size: Int

    /// Creates an entry.
    public init(name: String, size: Int) {
        self.name = name
        self.size = size
    }
}

extension ATDialect {
    /// This dialect's file-system syntax.
    public var files: ATFileSyntax {
        switch family {
        case .spwf01: return .spwf01
        case .spwf04: return .spwf04
        }
    }

    /// One `FSL` line.
    public func fileListLine(name: String, size: Int) -> [UInt8] {
        information(files.listPrefix + String(size) + String(decoding: [files.listSeparator], as: UTF8.self) + name)
    }

    /// The file an `FSL` reply line names, or `nil` when the line is something else.
    public func fileEntry(_ reply: ATReply) -> ATFileEntry? {
        guard case .information(let text) = reply else { return nil }
        let bytes = Array(text.utf8)
        guard let rest = ATBytes.after(files.listPrefix, in: bytes[...]) else { return nil }
        let (head, tail) = ATBytes.split(rest, at: files.listSeparator)
        guard let size = ATBytes.decimal(head), let tail, !tail.isEmpty else { return nil }
        return ATFileEntry(name: ATBytes.text(tail), size: size)
    }

    // MARK: - Host commands

    /// SPWF01 `AT+S.FSC=<name>,<size>`: an empty file that can grow to `size` bytes; `nil` on SPWF04, whose FSC
    /// carries data (``fileWriteCommand(_:_:)``).
    public func fileCreateCommand(_ name: String, size: Int) throws(ATCommandError) -> ATHostCommand? {
        guard !files.createCarriesData else { return nil }
        guard size >= 1 else { throw .outOfRange("file size", size) }
        return try ATHostCommand("AT+S.FSC", [name, String(size)])
    }

    /// Appends `bytes` to a file: SPWF01 `AT+S.FSA=<name>,<n>`, SPWF04 `AT+S.FSC=<name>,<n>` (which creates the
    /// file first when there is none), then the bytes.
    public func fileWriteCommand(_ name: String, _ bytes: [UInt8]) throws(ATCommandError) -> ATHostCommand {
        guard !bytes.isEmpty else { throw .outOfRange("file write length", 0) }
        return try ATHostCommand(
            files.createCarriesData ? "AT+S.FSC" : "AT+S.FSA", [name, String(bytes.count)], block: bytes)
    }

    /// `AT+S.FSD=<name>`.
    public func fileDeleteCommand(_ name: String) throws(ATCommandError) -> ATHostCommand {
        try ATHostCommand("AT+S.FSD", [name])
    }

    /// SPWF04 `AT+S.FSR=<old>,<new>`; `nil` on SPWF01, which has no rename.
    public func fileRenameCommand(_ old: String, to new: String) throws(ATCommandError) -> ATHostCommand? {
        guard files.createCarriesData else { return nil }
        return try ATHostCommand("AT+S.FSR", [old, new])
    }

    /// `AT+S.FSL`.
    public var fileListCommand: ATHostCommand { ATHostCommand(line: "AT+S.FSL") }

    /// `AT+S.FSP=<name>,<offset>,<count>`: `count` raw bytes of the file from `offset` (SPWF04: after an
    /// `AT-S.Reading` header). With no range (SPWF01 only) the whole file, which must be `count` bytes long.
    public func filePrintCommand(_ name: String, offset: Int?, count: Int) throws(ATCommandError) -> ATHostCommand {
        guard count >= 1 else { throw .outOfRange("file read length", count) }
        if let offset {
            guard offset >= 0 else { throw .outOfRange("file offset", offset) }
            return try ATHostCommand("AT+S.FSP", [name, String(offset), String(count)], reply: .data(count: count))
        }
        guard !files.printRangeRequired else { throw .outOfRange("file offset", -1) }
        return try ATHostCommand("AT+S.FSP", [name], reply: .data(count: count))
    }
}

extension ATDialect {
    /// SPWF04 `AT+S.TLSCERT=<ca|cert|key>,<file>`: a credential slot loaded from a file of the module's volume;
    /// `nil` on SPWF01, whose TLSCERT takes only the bytes.
    public func storeCredentialFromFileCommand(_ slot: ATCredentialSlot, file: String) throws(ATCommandError)
        -> ATHostCommand?
    {
        guard files.createCarriesData else { return nil }
        // A name of digits only would read as a length.
        guard !file.isEmpty, !file.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw .unsafeParameter(file) }
        return try ATHostCommand("AT+S.TLSCERT", [slot.rawValue, file])
    }
}
