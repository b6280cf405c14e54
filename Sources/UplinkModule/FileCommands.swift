import ATCodec
import NIOCore
import UplinkCredentials

extension ModuleEngine {
    static let fileCommands: [ATCommandSpec] = [
        ATCommandSpec(
            "AT+S.FSC",
            "Create a file: <name>,<size> (SPWF01: an empty file that can grow to <size>); SPWF04: <name>,<length> then"
                + " exactly <length> bytes, appended to the file (created when missing)"
        ) { engine, line throws(ATError) in
            let parts = try engine.requireFields(line, count: 2)
            let name = String(parts[0])
            let limits = engine.fileLimits
            if !engine.dialect.files.createCarriesData {
                let capacity = try engine.integer(parts[1], in: 1...Int(UInt32.max))
                var volume = try engine.loadFiles()
                try volume.create(name, capacity: capacity)
                try engine.saveFiles(volume)
                engine.emitOK()
                return .done
            }
            let length = try engine.integer(parts[1], in: 1...limits.maximumFileSize)
            return .awaitBlock(length: length) { bytes throws(ATError) in
                var volume = try engine.loadFiles()
                try volume.append(bytes, to: name, create: true)
                try engine.saveFiles(volume)
                engine.emitOK()
                return .done
            }
        },
        ATCommandSpec("AT+S.FSA", [.spwf01], "Append to a file: <name>,<length> then exactly <length> bytes") {
            engine, line throws(ATError) in
            let parts = try engine.requireFields(line, count: 2)
            let name = String(parts[0])
            let length = try engine.integer(parts[1], in: 1...engine.fileLimits.maximumFileSize)
            return .awaitBlock(length: length) { bytes throws(ATError) in
                var volume = try engine.loadFiles()
                try volume.append(bytes, to: name, create: false)
                try engine.saveFiles(volume)
                engine.emitOK()
                return .done
            }
        },
        ATCommandSpec("AT+S.FSD", "Delete a file: <name>") { engine, line throws(ATError) in
            let name = String(try engine.requireFields(line, count: 1)[0])
            var volume = try engine.loadFiles()
            try volume.delete(name)
            try engine.saveFiles(volume)
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.FSR", [.spwf04], "Rename a file: <old name>,<new name>") { engine, line throws(ATError) in
            let parts = try engine.requireFields(line, count: 2)
            var volume = try engine.loadFiles()
            try volume.rename(String(parts[0]), to: String(parts[1]))
            try engine.saveFiles(volume)
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.FSL", "List the files (SPWF04: or one of them: [<name>])") { engine, line throws(ATError) in
            let volume = try engine.loadFiles()
            var listed = volume.files
            if let wanted = line.argument {
                guard engine.dialect.family == .spwf04 else { throw .invalidArguments }
                try volume.checkName(wanted)
                guard let file = volume.file(named: wanted) else { throw .fileNotFound }
                listed = [file]
            }
            for file in listed {
                engine.emit(engine.dialect.fileListLine(name: file.name, size: file.bytes.count))
            }
            engine.emitOK()
            return .done
        },
        ATCommandSpec(
            "AT+S.FSP",
            "Print a file: <name>,<offset>,<length> (SPWF01: <name> alone prints all of it)"
        ) { engine, line throws(ATError) in
            let parts = engine.fields(line, limit: 3)
            let bytes: [UInt8]
            let volume = try engine.loadFiles()
            switch parts.count {
            case 1 where !engine.dialect.files.printRangeRequired && !(parts.first?.isEmpty ?? true):
                bytes = try volume.read(String(parts[0]))
            case 3:
                let offset = try engine.integer(parts[1], in: 0...Int(UInt32.max))
                let count = try engine.integer(parts[2], in: 1...Int(UInt32.max))
                bytes = try volume.read(String(parts[0]), offset: offset, count: count)
            default:
                throw .invalidArguments
            }
            let size = volume.file(named: String(parts[0]))?.bytes.count ?? 0
            engine.emit(engine.dialect.readingHeader(count: bytes.count, pending: size))
            engine.emitFileBytes(bytes)
            engine.emitOK()
            return .done
        },
        ATCommandSpec(
            "AT+S.FSU", [.spwf04],
            "Erase the user volume: [<volume>[,<erase>]] (volume 1; <erase> 0 unmounts, which changes nothing here)"
        ) { engine, line throws(ATError) in
            var erase = true
            if line.argument != nil {
                let parts = engine.fields(line, limit: 2)
                guard try engine.integer(parts[0], in: 1...1) == 1 else { throw .invalidArguments }
                if parts.count == 2 { erase = try engine.integer(parts[1], in: 0...1) == 1 }
            }
            if erase {
                var volume = try engine.loadFiles()
                volume.erase()
                try engine.saveFiles(volume)
            }
            engine.emitOK()
            return .done
        },
    ]

    /// The limits of this firmware's volume.
    var fileLimits: ModuleFileSystem.Limits { .of(dialect.family) }

    /// The volume as the flash holds it now; an empty one when there is none. A blob that is not a valid image
    /// (written by something else) reads as an empty volume, and is replaced by the next change.
    func loadFiles() throws(ATError) -> ModuleFileSystem {
        let image: [UInt8]?
        do {
            image = try flash.read(ModuleFileSystem.flashName)
        } catch {
            errorDetail = "\(ModuleFileSystem.flashName): \(error)"
            throw .flashWriteFailed
        }
        guard let image, !image.isEmpty else { return ModuleFileSystem(limits: fileLimits) }
        if let volume = ModuleFileSystem.decode(image, limits: fileLimits) { return volume }
        options.logger.notice("the file volume in flash is not a valid image: it reads as empty")
        return ModuleFileSystem(limits: fileLimits)
    }

    /// Writes the volume to flash as one atomic step.
    func saveFiles(_ volume: ModuleFileSystem) throws(ATError) {
        try persist(ModuleFileSystem.flashName, volume.serialized())
    }

    /// The raw bytes of a file (FSP), recorded in the trace as binary (hidden when they hold a private key).
    func emitFileBytes(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        emitBinary(buffer, secret: Self.holdsPrivateKey(bytes))
    }

    /// Whether bytes hold a private key: a PEM `PRIVATE KEY` block, or a key in DER.
    static func holdsPrivateKey(_ bytes: [UInt8]) -> Bool {
        let marker = Array("PRIVATE KEY-----".utf8)
        if bytes.count >= marker.count,
            (0...(bytes.count - marker.count)).contains(where: { bytes[$0..<$0 + marker.count].elementsEqual(marker) })
        {
            return true
        }
        return bytes.first == 0x30 && (try? CredentialKey(bytes: bytes)) != nil
    }

    /// SPWF04 TLSCERT from a file: the contents of `name`, or `fileNotFound`.
    func credentialFile(_ name: String) throws(ATError) -> [UInt8] {
        let volume = try loadFiles()
        let bytes = try volume.read(name)
        guard !bytes.isEmpty else { throw .credentialUnparsable }
        return bytes
    }
}
