#if canImport(Glibc)
    import Glibc
#endif

/// A pseudo-terminal pair whose slave end plays the module's serial port.
///
/// The terminal is raw from the moment it exists (created with raw termios, so bytes written before
/// a host opens it are not translated). The slave is kept open by this object, so a host can close
/// and reopen the port at will and the device node stays.
public final class PseudoTerminal: Sendable {
    /// The master side, which the module reads and writes.
    public let masterDescriptor: CInt
    /// The slave side, held open for the module's lifetime.
    public let slaveDescriptor: CInt
    /// The path a host opens, such as `/dev/pts/3`.
    public let path: String

    /// Opens a new raw pseudo-terminal at 115200 baud.
    public init() throws {
        var settings = termios()
        cfmakeraw(&settings)
        cfsetispeed(&settings, speed_t(B115200))
        cfsetospeed(&settings, speed_t(B115200))
        settings.c_cflag |= tcflag_t(CLOCAL | CREAD)
        var master: CInt = -1
        var slave: CInt = -1
        guard openpty(&master, &slave, nil, &settings, nil) == 0 else {
            throw LinkError.system(operation: "openpty", errno: errno)
        }
        var name = [CChar](repeating: 0, count: 256)
        guard ttyname_r(slave, &name, name.count) == 0 else {
            let code = errno
            close(master)
            close(slave)
            throw LinkError.system(operation: "ttyname_r", errno: code)
        }
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        masterDescriptor = master
        slaveDescriptor = slave
        path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Closes the held slave descriptor (the master belongs to whoever took it over).
    public func closeSlave() {
        close(slaveDescriptor)
    }
}

/// A stable symbolic link to a device path (`--link`), removed again by ``remove()``.
public struct DeviceLink: Sendable {
    /// Where the link is.
    public let path: String

    /// Creates `path` pointing at `target`, replacing an existing symbolic link (never a regular file).
    public init(path: String, target: String) throws {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFLNK else {
                throw LinkError.notASymbolicLink(path)
            }
            unlink(path)
        }
        guard symlink(target, path) == 0 else {
            throw LinkError.system(operation: "symlink \(path)", errno: errno)
        }
        self.path = path
    }

    /// Removes the link.
    public func remove() {
        unlink(path)
    }
}

/// A link that could not be set up.
public enum LinkError: Error, Equatable, CustomStringConvertible {
    case system(operation: String, errno: Int32)
    case notASymbolicLink(String)
    case unsupportedBaudRate(Int)
    case badAddress(String)

    public var description: String {
        switch self {
        case .system(let operation, let code): return "\(operation): \(String(cString: strerror(code)))"
        case .notASymbolicLink(let path): return "\(path) exists and is not a symbolic link; not replacing it"
        case .unsupportedBaudRate(let rate): return "unsupported baud rate \(rate)"
        case .badAddress(let text): return "not a HOST:PORT address: \(text)"
        }
    }
}
