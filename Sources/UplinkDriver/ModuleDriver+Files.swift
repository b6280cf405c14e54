import ATCodec
import NIOCore

extension ModuleDriver {
    /// Creates a file holding `contents` on the module's volume. SPWF01: `FSC` allocates `contents.count` bytes
    /// (the file must not exist), then `FSA` appends them; SPWF04: `FSC` with the bytes (appending when the file
    /// exists: delete it first to replace it). Bytes go in commands of at most
    /// ``ModuleDriverConfiguration/maximumWrite``.
    public func createFile(_ name: String, contents: [UInt8]) async throws {
        guard !contents.isEmpty else { throw ModuleDriverError.invalidParameter("an empty file") }
        let dialect = await self.dialect
        if let create = try optionalCommand({ () throws(ATCommandError) in
            try dialect.fileCreateCommand(name, size: contents.count)
        }) {
            try await send(create)
        }
        try await appendFile(name, contents)
    }

    /// Appends `bytes` to a file (SPWF01 `FSA`: the file must exist and have room in what FSC allocated; SPWF04
    /// `FSC`, which creates it when missing).
    public func appendFile(_ name: String, _ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        let dialect = await self.dialect
        let commands = try writeCommands(bytes) { chunk, _ throws(ATCommandError) in
            try dialect.fileWriteCommand(name, chunk)
        }
        // One at a time: a refused chunk (file full) must not be followed by the next one's bytes.
        for write in commands { try await send(write) }
    }

    /// The files on the module's volume (`FSL`).
    public func listFiles() async throws -> [ATFileEntry] {
        let dialect = await self.dialect
        let response = try await send(dialect.fileListCommand)
        return response.lines.compactMap { dialect.fileEntry($0) }
    }

    /// The whole contents of a file: its size from `FSL`, then `FSP` (SPWF01 `FSP=<name>`, SPWF04 with the range),
    /// in reads of at most ``ModuleDriverConfiguration/maximumRead`` bytes on SPWF04.
    public func readFile(_ name: String) async throws -> [UInt8] {
        let dialect = await self.dialect
        guard let entry = try await listFiles().first(where: { $0.name == name }) else {
            throw ModuleDriverError.module(command: "AT+S.FSL", error: .fileNotFound)
        }
        if entry.size == 0 { return [] }
        if !dialect.files.printRangeRequired {
            let print = try command { () throws(ATCommandError) in
                try dialect.filePrintCommand(name, offset: nil, count: entry.size)
            }
            return try await send(print).data
        }
        var contents: [UInt8] = []
        while contents.count < entry.size {
            let count = min(max(1, configuration.maximumRead), entry.size - contents.count)
            contents += try await readFile(name, offset: contents.count, count: count)
        }
        return contents
    }

    /// `count` bytes of a file from `offset` (`FSP=<name>,<offset>,<count>`); the range must lie inside the file.
    public func readFile(_ name: String, offset: Int, count: Int) async throws -> [UInt8] {
        let dialect = await self.dialect
        let print = try command { () throws(ATCommandError) in
            try dialect.filePrintCommand(name, offset: offset, count: count)
        }
        return try await send(print).data
    }

    /// Deletes a file (`FSD`).
    public func deleteFile(_ name: String) async throws {
        let dialect = await self.dialect
        try await send(try command { () throws(ATCommandError) in try dialect.fileDeleteCommand(name) })
    }

    /// Renames a file (SPWF04 `FSR`); SPWF01 has no rename.
    public func renameFile(_ old: String, to new: String) async throws {
        let dialect = await self.dialect
        guard
            let rename = try optionalCommand({ () throws(ATCommandError) in try dialect.fileRenameCommand(old, to: new)
            })
        else { throw ModuleDriverError.invalidParameter("a rename: \(dialect) has no FSR") }
        try await send(rename)
    }

    /// Loads a credential slot from a file of the module's volume (SPWF04 `TLSCERT=<slot>,<file>`).
    public func storeCredential(_ slot: ATCredentialSlot, fromFile file: String) async throws {
        let dialect = await self.dialect
        guard
            let store = try optionalCommand({ () throws(ATCommandError) in
                try dialect.storeCredentialFromFileCommand(slot, file: file)
            })
        else { throw ModuleDriverError.invalidParameter("a credential from a file: \(dialect) takes only bytes") }
        try await send(store)
    }

    /// A command that may not exist in this dialect, with its parameter errors as ``ModuleDriverError``.
    private func optionalCommand(_ build: () throws(ATCommandError) -> ATHostCommand?) throws -> ATHostCommand? {
        do {
            return try build()
        } catch {
            throw ModuleDriverError(error)
        }
    }
}
