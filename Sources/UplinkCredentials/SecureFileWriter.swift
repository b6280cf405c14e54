import UplinkFiles

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Credential files: written through ``AtomicFile`` with an exact mode (0600 for keys from the first byte,
/// whatever the umask), read with a size bound.
public enum SecureFileWriter {
    /// Mode for private keys.
    public static let privateMode: UInt32 = 0o600
    /// Mode for certificates.
    public static let publicMode: UInt32 = 0o644

    /// Writes `bytes` to `path` with ``AtomicFile`` (a temporary beside it, mode set before the first byte,
    /// fsync'd, renamed into place; a symbolic link there is refused). Refuses to replace an existing file
    /// unless `overwrite` is true, without a window between the check and the write.
    public static func write(
        _ bytes: [UInt8], to path: String, mode: UInt32, overwrite: Bool = true
    ) throws(CredentialError) {
        do {
            try AtomicFile.write(bytes, to: path, mode: mode, overwrite: overwrite)
        } catch .exists {
            throw .file(path: path, reason: "exists already (use --force to replace it)")
        } catch {
            throw .file(path: path, reason: error.reason)
        }
    }

    /// Reads a whole file.
    public static func read(_ path: String) throws(CredentialError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .file(path: path, reason: errorText()) }
        defer { close(fd) }
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .file(path: path, reason: errorText()) }
            if count == 0 { break }
            bytes += buffer[0..<count]
            guard bytes.count <= 16 << 20 else {
                throw .file(path: path, reason: "larger than 16 MiB, not a credential")
            }
        }
        return bytes
    }

    /// Creates a folder (and its parents) if it does not exist.
    public static func makeDirectory(_ path: String) throws(CredentialError) {
        var isDirectory = stat()
        if stat(path, &isDirectory) == 0 {
            guard (isDirectory.st_mode & S_IFMT) == S_IFDIR else { throw .file(path: path, reason: "is not a folder") }
            return
        }
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !parent.isEmpty && parent != path { try makeDirectory(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw .file(path: path, reason: errorText()) }
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
}

private func posixRead(_ fd: Int32, _ pointer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, pointer, count)
}
