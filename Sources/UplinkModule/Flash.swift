import Synchronization
import UplinkFiles

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The module's non-volatile memory: named blobs that survive a reset (and, in a directory, a restart).
public protocol Flash: AnyObject, Sendable {
    /// The blob stored under `name`, or `nil` when there is none.
    func read(_ name: String) throws -> [UInt8]?
    /// Replaces the blob under `name` as one atomic step.
    func write(_ name: String, _ bytes: [UInt8]) throws
}

/// Flash kept in memory only (`--volatile`): it survives `AT+CFUN=1` but not the process.
public final class MemoryFlash: Flash {
    private let blobs = Mutex<[String: [UInt8]]>([:])

    /// Creates an empty memory flash.
    public init() {}

    public func read(_ name: String) throws -> [UInt8]? {
        blobs.withLock { $0[name] }
    }

    public func write(_ name: String, _ bytes: [UInt8]) throws {
        blobs.withLock { $0[name] = bytes }
    }
}

/// Flash in a directory: each blob is a file written with ``AtomicFile`` (a temporary beside it, fsync'd,
/// renamed over the old one, the directory fsync'd), so a crash leaves either the old or the new blob whole.
/// Files have mode 0600.
public final class DirectoryFlash: Flash, Sendable {
    /// The directory holding the blobs.
    public let path: String

    /// Opens (creating if needed, mode 0700) a flash directory, and removes what interrupted writes left.
    public init(path: String) throws {
        self.path = path
        try DirectoryFlash.makeDirectories(path)
        // A write cut short by a crash or a kill leaves its temporary; the blob itself is whole.
        AtomicFile.removeTemporaries(in: path)
    }

    public func read(_ name: String) throws -> [UInt8]? {
        let file = path + "/" + name
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw FlashError.io(operation: "open \(file)", errno: errno)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FlashError.io(operation: "read \(file)", errno: errno)
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }

    public func write(_ name: String, _ bytes: [UInt8]) throws {
        try AtomicFile.write(bytes, to: path + "/" + name, mode: 0o600)
    }

    private static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw FlashError.io(operation: "mkdir \(prefix)", errno: errno)
            }
        }
    }
}

/// A flash operation that failed.
public enum FlashError: Error, Equatable, CustomStringConvertible {
    case io(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .io(let operation, let code): return "\(operation): \(String(cString: strerror(code)))"
        }
    }
}
