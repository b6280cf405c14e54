import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process started with `posix_spawn`, with an empty signal mask and default signal handlers.
///
/// Foundation's `Process` passes on the signal mask of the thread that starts it, and test runner threads block
/// most signals: a server started that way never sees SIGTERM (NSD left SIGTERM pending and had to be killed).
/// This starts the program with a clean mask, so ``terminate()`` lets it shut down properly. Only the process
/// started here is ever signalled, by its pid. The one child-process launcher of the tests and the benchmarks.
public final class ChildProcess: @unchecked Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case spawnFailed(path: String, errno: Int32)

        public var description: String {
            switch self {
            case .spawnFailed(let path, let code):
                return "posix_spawn \(path) failed: \(String(cString: strerror(code)))"
            }
        }
    }

    public let pid: pid_t
    private let lock = Mutex<Bool>(false)
    private let status = Mutex<Int32?>(nil)

    /// Where a child's standard output or error goes.
    public enum Destination: Sendable {
        /// /dev/null.
        case discard
        /// Appended to a file (created if needed).
        case file(String)
        /// A descriptor of the parent (the write end of a pipe, say), closed in the child after the copy.
        case descriptor(CInt)
        /// Standard error only: wherever standard output goes.
        case standardOutput
    }

    /// Starts `path` with `arguments`; stdin from /dev/null, stdout and stderr appended to `outputPath`.
    public convenience init(path: String, arguments: [String], outputPath: String) throws {
        try self.init(
            path: path, arguments: arguments, standardOutput: .file(outputPath), standardError: .standardOutput)
    }

    /// Starts `path` with `arguments`; stdin from `standardInput` (a file) or /dev/null, stdout and stderr where
    /// asked, this process's environment plus `environment`.
    public init(
        path: String, arguments: [String], standardInput: String? = nil, standardOutput: Destination,
        standardError: Destination, environment: [String: String] = [:]
    ) throws {
        #if canImport(Darwin)
            var attributes: posix_spawnattr_t? = nil
            var actions: posix_spawn_file_actions_t? = nil
        #else
            var attributes = posix_spawnattr_t()
            var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, standardInput ?? "/dev/null", O_RDONLY, 0)
        for (target, destination) in [(CInt(1), standardOutput), (CInt(2), standardError)] {
            switch destination {
            case .discard:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            case .descriptor(let fd):
                posix_spawn_file_actions_adddup2(&actions, fd, target)
            case .standardOutput:
                posix_spawn_file_actions_adddup2(&actions, 1, target)
            }
        }
        // Every other descriptor of this process stays out of the child, whether or not it was opened with
        // close-on-exec: some are not (SwiftNIO's pipe bootstrap `dup`s a pseudo-terminal's descriptor without it),
        // and a child holding one keeps a pseudo-terminal or a socket open after its owner closed it.
        #if canImport(Glibc)
            Self.closeOthers(&actions)
        #endif
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var variables: [String] = []
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            let name = text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? text
            if environment[name] == nil { variables.append(text) }
            index += 1
        }
        variables += environment.map { "\($0.key)=\($0.value)" }
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw Failure.spawnFailed(path: path, errno: result) }
        self.pid = pid
    }

    /// Whether the process is still running (reaps it once it has exited).
    public var isRunning: Bool {
        lock.withLock { exited in
            if exited { return false }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == 0 { return true }
            if result == pid { record(status) }
            // Exited and reaped now, or already reaped (ECHILD): either way it is gone.
            exited = true
            return false
        }
    }

    /// Sends SIGTERM to this process.
    public func terminate() {
        if isRunning { kill(pid, SIGTERM) }
    }

    /// SIGTERM, then SIGKILL if it is still running after `grace`; waits with `Task.sleep`, so no thread of the
    /// concurrency pool is held meanwhile.
    public func stop(grace: Duration = .seconds(5)) async {
        guard isRunning else { return }
        terminate()
        let deadline = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        forceKill()
    }

    /// Sends SIGKILL to this process and reaps it.
    public func forceKill() {
        guard isRunning else { return }
        kill(pid, SIGKILL)
        lock.withLock { exited in
            var status: Int32 = 0
            if waitpid(pid, &status, 0) == pid { record(status) }
            exited = true
        }
    }

    /// The exit status once the process has exited normally (`nil` while running, or after a signal).
    public var exitStatus: Int32? { status.withLock { $0 } }

    /// Waits up to `timeout` seconds for the process to exit; kills it after that. Returns its exit status.
    @discardableResult
    public func wait(timeout: Double) -> Int32? {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while isRunning && ContinuousClock.now < deadline { usleep(5000) }
        forceKill()
        return exitStatus
    }

    private func record(_ raw: Int32) {
        // WIFEXITED / WEXITSTATUS, spelled out (the macros are not imported).
        if raw & 0x7F == 0 { status.withLock { $0 = (raw >> 8) & 0xFF } }
    }
}

#if canImport(Glibc)
    extension ChildProcess {
        /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later; the Glibc module does not import it).
        private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, CInt) -> CInt

        /// Adds "close every descriptor from 3 up" to `actions`. Where the C library cannot, every descriptor of this
        /// process is marked close-on-exec instead (a descriptor another thread opens meanwhile may still be inherited).
        static func closeOthers(_ actions: inout posix_spawn_file_actions_t) {
            if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
                let addCloseFrom = unsafeBitCast(symbol, to: AddCloseFrom.self)
                if addCloseFrom(&actions, 3) == 0 { return }
            }
            guard let folder = opendir("/proc/self/fd") else { return }
            defer { closedir(folder) }
            let own = dirfd(folder)
            while let entry = readdir(folder) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard let fd = CInt(name), fd > 2, fd != own else { continue }
                let flags = fcntl(fd, F_GETFD)
                if flags >= 0, flags & FD_CLOEXEC == 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
            }
        }
    }
#endif
