import Logging
import MQTTCodec
import Synchronization
import UplinkFiles

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A session store in a directory that survives a process crash.
///
/// The directory holds one append-only log, `session.log`, of checksummed records (`[length u32][crc32 u32][body]`,
/// ``MQTTSessionLogCodec``). `sync` writes the buffered records and `fsync`s the file before the client sends
/// anything that depends on them (write-ahead, group commit: one `fsync` per batch of packets, not per message).
///
/// Reading the log: a torn record at the end (a crash in the middle of a write) is dropped quietly. A damaged
/// record elsewhere (a flipped byte) is skipped and reading resumes at the next valid record; the damage is
/// reported loudly (logged at `error`, ``damage`` set, ``damagedLogCount`` counted) and the damaged file is kept as
/// `session.log.damaged-<n>` (0600) before the log is rewritten, so nothing is silently truncated.
///
/// When the log grows past ``compactionThreshold`` (``compactionFactor`` times the live records' size, at least
/// ``minimumCompactionThreshold``) it is rewritten with only the live records (a temporary file, `fsync`ed,
/// renamed, the directory `fsync`ed). An exclusive `flock` keeps a second process from using the same directory.
public final class MQTTFileSessionStore: MQTTSessionStore, @unchecked Sendable {
    /// The directory.
    public let directory: String
    /// The log is compacted when it exceeds this many times the size of its live records...
    public static let compactionFactor = 4
    /// ...and at least this many bytes.
    public static let minimumCompactionThreshold = 4 << 20
    /// What was found damaged when the log was opened (`nil`: nothing; a torn tail is not damage).
    public let damage: MQTTSessionLogDamage?

    private let lock = Mutex(())  // guards pending and needsSync
    private let syncLock = Mutex(())  // serializes writes, fsync and compaction
    private var pending: [UInt8] = []
    private var pendingRecords: [MQTTSessionRecord] = []
    private var dirty = false
    private var descriptor: Int32
    private var session = MQTTStoredSession()  // what is on disk (guarded by syncLock)
    private var logSize = 0
    private var liveSize = 0  // size of the log right after the last compaction
    private var compactions = 0
    private let logger: Logger

    private var logPath: String { directory + "/session.log" }

    /// Log size that triggers the next rewrite: ``compactionFactor`` times the live size at the last rewrite, at
    /// least ``minimumCompactionThreshold``. A log of many live records is not rewritten at every sync.
    public var compactionThreshold: Int {
        syncLock.withLock { _ in
            max(MQTTFileSessionStore.minimumCompactionThreshold, liveSize * MQTTFileSessionStore.compactionFactor)
        }
    }

    /// How many times the log was rewritten since the store was opened (the rewrite when it is opened included).
    public var compactionCount: Int { syncLock.withLock { _ in compactions } }

    /// Opens (creating if needed) the store in `directory`. Takes the directory's lock without waiting: throws when
    /// another open store holds it. From async code, prefer ``open(directory:logger:lockTimeout:)``, which waits.
    public convenience init(directory: String, logger: Logger? = nil) throws(MQTTClientError) {
        try self.init(directory: directory, logger: logger, waiting: ())
    }

    /// Opens (creating if needed) the store in `directory`, waiting up to `lockTimeout` for the directory's lock
    /// without blocking a thread (it polls with `Task.sleep`).
    ///
    /// A process that is starting a child holds a copy of every descriptor until the child's `exec` closes it
    /// (`O_CLOEXEC`), and the lock belongs to the open file, not to the descriptor: a store just closed by this
    /// process can look locked for that moment. Another process that really uses the directory keeps it locked.
    public static func open(
        directory: String, logger: Logger? = nil, lockTimeout: Duration = .seconds(1)
    ) async throws -> MQTTFileSessionStore {
        let deadline = ContinuousClock.now + lockTimeout
        while true {
            let error: MQTTClientError
            do throws(MQTTClientError) {
                return try MQTTFileSessionStore(directory: directory, logger: logger, waiting: ())
            } catch let failure {
                error = failure
            }
            guard error == .sessionStore("\(directory) \(inUse)"), ContinuousClock.now < deadline else { throw error }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private static let inUse = "is in use by another process"

    private init(directory: String, logger: Logger?, waiting: Void) throws(MQTTClientError) {
        self.directory = directory
        self.logger = logger ?? Logger(label: "uplink.mqtt.session", factory: { _ in SwiftLogNoOpLogHandler() })
        try MQTTFileSessionStore.makeDirectory(directory)
        let path = directory + "/session.log"
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .sessionStore("cannot open \(path): \(MQTTFileSessionStore.errnoText())") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw .sessionStore("\(directory) \(MQTTFileSessionStore.inUse)")
        }
        descriptor = fd
        // A compaction killed mid-write leaves its temporary; the folder is ours now that the log is locked.
        AtomicFile.removeTemporaries(in: directory)
        do throws(MQTTClientError) {
            damage = try MQTTFileSessionStore.readLog(
                fd, path: path, into: &session, logSize: &logSize, logger: self.logger)
            // Start from a compact log: drops a torn tail, damage and completed records.
            if logSize > 0 || damage != nil { try compact() }
        } catch {
            close(fd)
            throw error
        }
        if damage != nil { MQTTFileSessionStore.damaged.withLock { $0 += 1 } }
    }

    deinit { close(descriptor) }

    /// How many damaged session logs stores of this process found when opening (see ``damage``).
    public static var damagedLogCount: Int { damaged.withLock { $0 } }
    private static let damaged = Mutex(0)

    public func load() throws -> MQTTStoredSession { syncLock.withLock { _ in session } }

    public func append(_ records: [MQTTSessionRecord]) {
        lock.withLock { _ in
            for record in records { MQTTSessionLogCodec.encode(record, into: &pending) }
            pendingRecords.append(contentsOf: records)
            dirty = true
        }
    }

    public var needsSync: Bool { lock.withLock { _ in dirty } }

    public func sync() throws {
        try syncLock.withLock { (_: inout ()) throws(MQTTClientError) in
            var bytes: [UInt8] = []
            var records: [MQTTSessionRecord] = []
            lock.withLock { _ in
                swap(&bytes, &pending)
                swap(&records, &pendingRecords)
                dirty = false
            }
            if bytes.isEmpty { return }
            for record in records { session.apply(record) }
            try writeAll(bytes, to: descriptor)
            guard fsync(descriptor) == 0 else { throw .sessionStore("fsync: \(MQTTFileSessionStore.errnoText())") }
            logSize += bytes.count
            if logSize
                > max(MQTTFileSessionStore.minimumCompactionThreshold, liveSize * MQTTFileSessionStore.compactionFactor)
            {
                try compact()
            }
        }
    }

    public func reset() throws {
        try syncLock.withLock { (_: inout ()) throws(MQTTClientError) in
            lock.withLock { _ in
                pending.removeAll()
                pendingRecords.removeAll()
                dirty = false
            }
            session = MQTTStoredSession()
            try compact()
        }
    }

    // MARK: - Log

    /// Reads the log into `session`; keeps a copy of a damaged log and reports it.
    private static func readLog(
        _ descriptor: Int32, path: String, into session: inout MQTTStoredSession, logSize: inout Int, logger: Logger
    ) throws(MQTTClientError) -> MQTTSessionLogDamage? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        _ = lseek(descriptor, 0, SEEK_SET)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .sessionStore("read \(path): \(errnoText())")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        let scan = MQTTSessionLogCodec.scan(bytes)
        for record in scan.records { session.apply(record) }
        logSize = scan.validBytes
        guard !scan.damaged.isEmpty else { return nil }
        let copy = try keepDamagedCopy(bytes, of: path)
        let damage = MQTTSessionLogDamage(
            damagedBytes: scan.damaged.reduce(0) { $0 + $1.count }, damagedRanges: scan.damaged,
            recoveredRecords: scan.recoveredAfterDamage, savedCopy: copy)
        logger.error(
            "MQTT session log damaged: skipped the damaged records, recovered the rest; the damaged log is kept",
            metadata: [
                "log": "\(path)", "damagedBytes": "\(damage.damagedBytes)",
                "recoveredRecords": "\(damage.recoveredRecords)", "copy": "\(copy)",
            ])
        return damage
    }

    /// Writes `bytes` to the first free `<path>.damaged-<n>` (0600, ``AtomicFile``: never a half-written copy);
    /// returns its path.
    private static func keepDamagedCopy(_ bytes: [UInt8], of path: String) throws(MQTTClientError) -> String {
        for index in 1...1000 {
            let copy = "\(path).damaged-\(index)"
            do {
                try AtomicFile.write(bytes, to: copy, mode: 0o600, overwrite: false)
                return copy
            } catch .exists {
                continue
            } catch {
                throw .sessionStore("cannot keep a copy of the damaged log: \(error)")
            }
        }
        throw .sessionStore("\(path): 1000 damaged copies already kept; remove some")
    }

    private func compact() throws(MQTTClientError) {
        var bytes: [UInt8] = []
        for record in session.records { MQTTSessionLogCodec.encode(record, into: &bytes) }
        let fd = try replaceLog(with: bytes)
        close(descriptor)
        descriptor = fd
        logSize = bytes.count
        liveSize = bytes.count
        compactions += 1
    }

    /// Replaces `session.log` by `bytes` atomically (``AtomicFile``: a temporary file, `fsync`, rename, folder
    /// `fsync`); returns the new log's descriptor, open for appending and locked before it took the old one's place.
    private func replaceLog(with bytes: [UInt8]) throws(MQTTClientError) -> Int32 {
        do {
            return try AtomicFile.replace(bytes, at: logPath, mode: 0o600) { fd in _ = flock(fd, LOCK_EX | LOCK_NB) }
        } catch {
            throw .sessionStore("cannot compact the session log: \(error)")
        }
    }

    private func writeAll(_ bytes: [UInt8], to fd: Int32) throws(MQTTClientError) {
        do {
            try AtomicFile.writeAll(bytes, to: fd, path: logPath)
        } catch {
            throw .sessionStore("\(error)")
        }
    }

    // MARK: - Files

    static func makeDirectory(_ path: String) throws(MQTTClientError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw .sessionStore("cannot create \(prefix): \(errnoText())")
            }
            prefix += "/"
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
