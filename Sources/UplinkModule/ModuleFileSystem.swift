import ATCodec

/// The module's user file system: named files on its flash, with the limits of the firmware.
///
/// The whole volume is one flash blob (``flashName``), rewritten atomically by every change, so a power cut in the
/// middle of a write leaves the volume as it was before the command or as it is after it — never a torn file. The
/// value is pure: commands load it, change it and save it (``ModuleEngine/saveFiles(_:)``).
public struct ModuleFileSystem: Equatable, Sendable {
    /// One file.
    public struct File: Equatable, Sendable {
        /// The name as created (`/index.html`, `ca.pem`).
        public var name: String
        /// SPWF01: the size `FSC` allocated, which appends may not pass; `nil` on SPWF04 (files grow freely).
        public var capacity: Int?
        /// The contents.
        public var bytes: [UInt8]

        /// The bytes the file takes on the volume: what was allocated, or what it holds.
        var footprint: Int { max(capacity ?? 0, bytes.count) }
    }

    /// The limits of a firmware's volume.
    public struct Limits: Equatable, Sendable {
        /// The largest file.
        public var maximumFileSize: Int
        /// The bytes the volume holds in all.
        public var totalBytes: Int
        /// The most files.
        public var maximumFiles: Int
        /// The longest name, in bytes.
        public var maximumNameLength: Int

        /// SPWF01: 4 KB per file (papnkukn/spwf01sx: "max. 4096 bytes"), 32 KB, 16 files, names up to 32 bytes.
        public static let spwf01 = Limits(
            maximumFileSize: 4096, totalBytes: 32_768, maximumFiles: 16, maximumNameLength: 32)
        /// SPWF04 user flash: 16 KB per file (as much as a TLSCERT block), 128 KB, 32 files, names up to 64 bytes.
        public static let spwf04 = Limits(
            maximumFileSize: 16_384, totalBytes: 131_072, maximumFiles: 32, maximumNameLength: 64)

        /// The limits of a dialect's firmware.
        public static func of(_ family: ATDialect.Family) -> Limits {
            switch family {
            case .spwf01: return .spwf01
            case .spwf04: return .spwf04
            }
        }
    }

    /// The flash blob that holds the volume.
    public static let flashName = "files"

    /// The limits this volume enforces.
    public let limits: Limits
    /// The files, in the order they were created.
    public private(set) var files: [File] = []

    /// An empty volume.
    public init(limits: Limits) {
        self.limits = limits
    }

    /// The bytes in use (allocated sizes count in full).
    public var usedBytes: Int { files.reduce(0) { $0 + $1.footprint } }

    /// The file with this name.
    public func file(named name: String) -> File? {
        files.first { $0.name == name }
    }

    /// Fails with `invalidFileName` unless `name` is 1 to ``Limits/maximumNameLength`` bytes of printable ASCII
    /// with no space and no comma (the parameter delimiter).
    public func checkName(_ name: some StringProtocol) throws(ATError) {
        let bytes = name.utf8
        guard (1...limits.maximumNameLength).contains(bytes.count),
            bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x2C })
        else { throw .invalidFileName }
    }

    /// SPWF01 FSC: a new empty file that may grow to `capacity` bytes.
    public mutating func create(_ name: String, capacity: Int) throws(ATError) {
        try checkName(name)
        guard file(named: name) == nil else { throw .fileExists }
        guard capacity <= limits.maximumFileSize else { throw .fileTooLarge }
        guard files.count < limits.maximumFiles, usedBytes + capacity <= limits.totalBytes else {
            throw .fileSystemFull
        }
        files.append(File(name: name, capacity: capacity, bytes: []))
    }

    /// Appends to a file (SPWF01 FSA); with `create`, a missing file is made first (SPWF04 FSC).
    public mutating func append(_ bytes: [UInt8], to name: String, create: Bool) throws(ATError) {
        try checkName(name)
        guard let index = files.firstIndex(where: { $0.name == name }) else {
            guard create else { throw .fileNotFound }
            guard bytes.count <= limits.maximumFileSize else { throw .fileTooLarge }
            guard files.count < limits.maximumFiles, usedBytes + bytes.count <= limits.totalBytes else {
                throw .fileSystemFull
            }
            files.append(File(name: name, capacity: nil, bytes: bytes))
            return
        }
        let file = files[index]
        let size = file.bytes.count + bytes.count
        guard size <= min(file.capacity ?? Int.max, limits.maximumFileSize) else { throw .fileTooLarge }
        guard usedBytes - file.footprint + max(file.capacity ?? 0, size) <= limits.totalBytes else {
            throw .fileSystemFull
        }
        files[index].bytes += bytes
    }

    /// FSD.
    public mutating func delete(_ name: String) throws(ATError) {
        try checkName(name)
        guard let index = files.firstIndex(where: { $0.name == name }) else { throw .fileNotFound }
        files.remove(at: index)
    }

    /// SPWF04 FSR.
    public mutating func rename(_ old: String, to new: String) throws(ATError) {
        try checkName(old)
        try checkName(new)
        guard let index = files.firstIndex(where: { $0.name == old }) else { throw .fileNotFound }
        guard old == new || file(named: new) == nil else { throw .fileExists }
        files[index].name = new
    }

    /// SPWF04 FSU: every file gone.
    public mutating func erase() {
        files.removeAll()
    }

    /// FSP: `count` bytes from `offset`, or the whole file without a range. A range must lie inside the file.
    public func read(_ name: String, offset: Int? = nil, count: Int? = nil) throws(ATError) -> [UInt8] {
        try checkName(name)
        guard let file = file(named: name) else { throw .fileNotFound }
        guard let offset, let count else { return file.bytes }
        guard offset <= file.bytes.count, count <= file.bytes.count - offset else { throw .fileRangeInvalid }
        return Array(file.bytes[offset..<offset + count])
    }

    // MARK: - The flash image

    private static let magic: [UInt8] = Array("UPFS".utf8) + [1]

    /// The volume as one blob: `UPFS` 1, a 16-bit file count, then per file a name length (8 bits), the name, a
    /// capacity flag and 32-bit capacity, a 32-bit length and the bytes (big-endian).
    public func serialized() -> [UInt8] {
        var out = Self.magic
        Self.put16(&out, files.count)
        for file in files {
            let name = Array(file.name.utf8)
            out.append(UInt8(truncatingIfNeeded: name.count))
            out += name
            out.append(file.capacity == nil ? 0 : 1)
            Self.put32(&out, file.capacity ?? 0)
            Self.put32(&out, file.bytes.count)
            out += file.bytes
        }
        return out
    }

    /// A volume read back from its blob, or `nil` when the blob is not a whole, valid image within `limits`.
    public static func decode(_ image: [UInt8], limits: Limits) -> ModuleFileSystem? {
        var reader = image[...]
        guard reader.starts(with: magic) else { return nil }
        reader = reader.dropFirst(magic.count)
        guard let count = take(&reader, 2), count <= limits.maximumFiles else { return nil }
        var volume = ModuleFileSystem(limits: limits)
        for _ in 0..<count {
            guard let nameLength = take(&reader, 1), reader.count >= nameLength else { return nil }
            let name = String(decoding: reader.prefix(nameLength), as: UTF8.self)
            reader = reader.dropFirst(nameLength)
            guard let hasCapacity = take(&reader, 1), let capacity = take(&reader, 4), let length = take(&reader, 4),
                length <= limits.maximumFileSize, reader.count >= length
            else { return nil }
            let bytes = Array(reader.prefix(length))
            reader = reader.dropFirst(length)
            guard (try? volume.checkName(name)) != nil, volume.file(named: name) == nil else { return nil }
            volume.files.append(File(name: name, capacity: hasCapacity == 1 ? capacity : nil, bytes: bytes))
        }
        guard reader.isEmpty, volume.usedBytes <= limits.totalBytes else { return nil }
        return volume
    }

    private static func put16(_ out: inout [UInt8], _ value: Int) {
        out += [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    private static func put32(_ out: inout [UInt8], _ value: Int) {
        out += (0..<4).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    private static func take(_ reader: inout ArraySlice<UInt8>, _ width: Int) -> Int? {
        guard reader.count >= width else { return nil }
        let value = reader.prefix(width).reduce(0) { $0 << 8 | Int($1) }
        reader = reader.dropFirst(width)
        return value
    }
}
