#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The project's one way to write a file that must never be seen half-written: module flash, credentials,
/// anything a crash must leave either old or new, and never a mix.
///
/// ``write(_:to:mode:overwrite:)`` creates a temporary file next to the destination (`O_CREAT|O_EXCL|O_NOFOLLOW`,
/// so it never reuses or follows what is there), sets its mode with `fchmod` before the first byte (the umask
/// cannot widen it), writes, `fsync`s, renames it into place and `fsync`s the folder, so the new name is on disk
/// too. A symbolic link at the destination is refused, not followed or replaced. Without `overwrite`, the file
/// is put in place with `link(2)`, which fails if the name exists: no window between a check and the write.
///
/// Glibc only, no Foundation: the Foundation-free `uplink-mqtt` can use it.
public enum AtomicFile {
    /// Writes `bytes` to `path` with `mode` (0600 unless said otherwise), replacing an existing regular file
    /// when `overwrite` is true.
    public static func write(
        _ bytes: [UInt8], to path: String, mode: UInt32 = 0o600, overwrite: Bool = true
    ) throws(AtomicFileError) {
        let (fd, temporary) = try writeTemporary(bytes, beside: path, mode: mode)
        close(fd)
        try place(temporary, at: path, overwrite: overwrite)
    }

    /// Replaces `path` by `bytes` like ``write(_:to:mode:overwrite:)``, and keeps the new file open: returns its
    /// descriptor (close-on-exec, positioned after the bytes, for a log that goes on growing). `beforePlacing`
    /// runs with the descriptor before the rename: a lock taken there is held before anyone can open the new name.
    public static func replace(
        _ bytes: [UInt8], at path: String, mode: UInt32 = 0o600, beforePlacing: (Int32) -> Void = { _ in }
    ) throws(AtomicFileError) -> Int32 {
        let (fd, temporary) = try writeTemporary(bytes, beside: path, mode: mode)
        beforePlacing(fd)
        do {
            try place(temporary, at: path, overwrite: true)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// A temporary beside `path` holding `bytes`, synced, with `mode`; its descriptor is open. Removed on failure.
    private static func writeTemporary(
        _ bytes: [UInt8], beside path: String, mode: UInt32
    ) throws(AtomicFileError) -> (Int32, String) {
        try refuseLinkOrFolder(at: path)
        let (fd, temporary) = try createTemporary(beside: path)
        do throws(AtomicFileError) {
            guard fchmod(fd, mode_t(mode)) == 0 else {
                throw AtomicFileError.io("chmod", path: temporary, errno: errno)
            }
            try writeAll(bytes, to: fd, path: temporary)
            guard fsync(fd) == 0 else { throw AtomicFileError.io("fsync", path: temporary, errno: errno) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        return (fd, temporary)
    }

    /// Puts a written temporary at `path` (rename, or `link` without `overwrite`) and syncs the folder; the
    /// temporary is gone afterwards, whatever happened.
    private static func place(_ temporary: String, at path: String, overwrite: Bool) throws(AtomicFileError) {
        if overwrite {
            guard rename(temporary, path) == 0 else {
                let code = errno
                unlink(temporary)
                throw AtomicFileError.io("rename", path: path, errno: code)
            }
        } else {
            let linked = link(temporary, path) == 0
            let code = errno
            unlink(temporary)
            guard linked else {
                if code == EEXIST { throw AtomicFileError.exists(path: path) }
                throw AtomicFileError.io("link", path: path, errno: code)
            }
        }
        syncFolder(of: path)
    }

    /// Creates (or truncates) `path` for appending writes — a log, a trace — with `mode` set by `fchmod` before
    /// anything is written (an existing regular file gets it too); refuses a symbolic link (`O_NOFOLLOW`).
    /// Returns the open descriptor (close-on-exec); the caller closes it.
    public static func createForAppending(_ path: String, mode: UInt32 = 0o600) throws(AtomicFileError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_APPEND, mode_t(mode))
        guard fd >= 0 else {
            if errno == ELOOP { throw AtomicFileError.symbolicLink(path: path) }
            throw AtomicFileError.io("open", path: path, errno: errno)
        }
        // A file that was there keeps its owner but gets the mode; a device (/dev/null, /dev/full) is left as it is.
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, fchmod(fd, mode_t(mode)) != 0 {
            let code = errno
            close(fd)
            throw AtomicFileError.io("chmod", path: path, errno: code)
        }
        return fd
    }

    /// Writes every byte of `bytes` to `fd`, retrying after a signal; throws on the first failure (disk full).
    public static func writeAll(_ bytes: some Collection<UInt8>, to fd: Int32, path: String) throws(AtomicFileError) {
        let result: AtomicFileError? =
            bytes.withContiguousStorageIfAvailable { buffer in
                writeAll(UnsafeRawBufferPointer(buffer), to: fd, path: path)
            } ?? Array(bytes).withUnsafeBytes { writeAll($0, to: fd, path: path) }
        if let result { throw result }
    }

    private static func writeAll(_ buffer: UnsafeRawBufferPointer, to fd: Int32, path: String) -> AtomicFileError? {
        var offset = 0
        while offset < buffer.count {
            let count = systemWrite(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                return .io("write", path: path, errno: errno)
            }
            if count == 0 { return .io("write", path: path, errno: EIO) }
            offset += count
        }
        return nil
    }

    private static func refuseLinkOrFolder(at path: String) throws(AtomicFileError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw AtomicFileError.io("lstat", path: path, errno: errno)
        }
        switch info.st_mode & S_IFMT {
        case S_IFLNK: throw AtomicFileError.symbolicLink(path: path)
        case S_IFREG: return
        default: throw AtomicFileError.notRegularFile(path: path)
        }
    }

    /// A new, empty file in the destination's folder: `.NAME.tmp-PID-RANDOM`, created exclusively.
    private static func createTemporary(beside path: String) throws(AtomicFileError) -> (Int32, String) {
        let (folder, name) = split(path)
        var lastError: Int32 = EEXIST
        for _ in 0..<16 {
            let temporary = folder + "/." + name + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 { return (fd, temporary) }
            lastError = errno
            if lastError != EEXIST { break }
        }
        throw AtomicFileError.io("create a temporary file for", path: path, errno: lastError)
    }

    /// Removes the temporaries a writer killed mid-write left in `folder` (`.NAME.tmp-PID-RANDOM`); call it
    /// where no other process writes into the folder. Returns how many it removed.
    @discardableResult
    public static func removeTemporaries(in folder: String) -> Int {
        guard let directory = opendir(folder) else { return 0 }
        defer { closedir(directory) }
        var removed = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard isTemporaryName(name) else { continue }
            if unlink(folder + "/" + name) == 0 { removed += 1 }
        }
        return removed
    }

    /// Whether `name` is one of this writer's temporaries.
    static func isTemporaryName(_ name: String) -> Bool {
        name.hasPrefix(".") && name.contains(".tmp-")
    }

    private static func syncFolder(of path: String) {
        let folder = open(split(path).folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { return }
        _ = fsync(folder)
        close(folder)
    }

    /// The folder (`.` when none is given) and the last component of `path`.
    static func split(_ path: String) -> (folder: String, name: String) {
        let bytes = Array(path.utf8)
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return (".", path) }
        let folder = slash == 0 ? "/" : String(decoding: bytes[..<slash], as: UTF8.self)
        return (folder, String(decoding: bytes[(slash + 1)...], as: UTF8.self))
    }
}

/// Why ``AtomicFile`` did not write a file.
public enum AtomicFileError: Error, Equatable, CustomStringConvertible {
    /// `overwrite: false` and the destination exists.
    case exists(path: String)
    /// The destination is a symbolic link; it is not followed.
    case symbolicLink(path: String)
    /// The destination is a folder, a device or a pipe, not a regular file.
    case notRegularFile(path: String)
    /// A system call failed.
    case io(String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .exists(let path): return "\(path) exists already"
        case .symbolicLink(let path): return "\(path) is a symbolic link (not followed)"
        case .notRegularFile(let path): return "\(path) is not a regular file"
        case .io(let operation, let path, let code): return "\(operation) \(path): \(String(cString: strerror(code)))"
        }
    }

    /// The reason alone, without the path (for messages that name the file already).
    public var reason: String {
        switch self {
        case .exists: return "exists already"
        case .symbolicLink: return "is a symbolic link (not followed)"
        case .notRegularFile: return "is not a regular file"
        case .io(let operation, _, let code): return "\(operation): \(String(cString: strerror(code)))"
        }
    }
}

private func systemWrite(_ fd: Int32, _ pointer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, pointer, count)
}
