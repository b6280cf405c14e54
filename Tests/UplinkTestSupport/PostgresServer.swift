import Foundation
import Synchronization
import UplinkCredentials
import UplinkProcess

#if canImport(Glibc)
    import Glibc
#endif

/// A real PostgreSQL (Debian's `postgresql` package), started by the tests as an unprivileged user on 127.0.0.1
/// with a free port, its data and unix sockets in a temporary folder; never any other PostgreSQL.
///
/// It offers TLS (`ssl=on`) with a certificate for `localhost`/127.0.0.1 from its own development PKI
/// (``caFile``), and takes plain connections too. Password (SCRAM) authentication for ``user``; certificate
/// authentication, over TLS only, for ``certificateUser`` (``clientCertificateFile``/``clientKeyFile``, issued by
/// the same CA).
///
/// One server serves a whole test process (``shared()``): each test makes its own database in it
/// (``makeDatabase()``). The server is stopped (fast shutdown, then SIGKILL) and its folder removed when the
/// process exits, or by ``stop()``.
public final class PostgresServer: Sendable {
    /// The superuser the cluster is made with, and its password (SCRAM over TCP).
    public static let user = "uplink"
    public static let password = "uplink-test-secret"
    /// The role that logs in with a client certificate (its common name) and nothing else.
    public static let certificateUser = "uplink_cert0001"

    public let port: Int
    /// The temporary folder: `data/` (the cluster), the sockets, `postgres.log`.
    public let folder: String
    let binaries: String
    let process: ChildProcess
    /// Stops this server if the test process dies without running ``stop()`` (kill -9, a CI timeout).
    let watchdog: ChildProcess?

    private init(port: Int, folder: String, binaries: String, process: ChildProcess, watchdog: ChildProcess?) {
        self.port = port
        self.folder = folder
        self.binaries = binaries
        self.process = process
        self.watchdog = watchdog
    }

    /// A shell that polls once a second: when this test process is gone while the server (still a `postgres`)
    /// runs, it sends the server SIGINT (fast shutdown), waits up to 30 s for it, and removes the folder.
    static func startWatchdog(serverPid: pid_t, folder: String) -> ChildProcess? {
        let script = """
            while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
            kill -0 "$1" 2>/dev/null && exit 0
            [ "$(cat /proc/$2/comm 2>/dev/null)" = postgres ] || exit 0
            kill -INT "$2"
            n=0; while kill -0 "$2" 2>/dev/null && [ $n -lt 150 ]; do sleep 0.2; n=$((n+1)); done
            rm -rf -- "$3"
            """
        return try? ChildProcess(
            path: "/bin/sh", arguments: ["-c", script, "sh", String(getpid()), String(serverPid), folder],
            standardOutput: .discard, standardError: .discard)
    }

    /// The CA that issued the server's and the client's certificates (PEM).
    public var caFile: String { folder + "/tls/ca.pem" }
    /// ``certificateUser``'s certificate and key (PEM).
    public var clientCertificateFile: String { folder + "/tls/\(Self.certificateUser).pem" }
    public var clientKeyFile: String { folder + "/tls/\(Self.certificateUser).key" }

    /// The URL of database `name` on this server, with the password.
    public func url(database: String) -> String {
        "postgres://\(Self.user):\(Self.password)@127.0.0.1:\(port)/\(database)"
    }

    /// A new empty database (CREATE DATABASE via `createdb`, from template0, which no session uses); returns its
    /// name. Tries up to five times (CREATE DATABASE refuses while its template is being copied by another).
    public func makeDatabase(owner: String? = nil) async throws -> String {
        let name = "registry_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let log = folder + "/createdb-\(name).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        for attempt in 1...5 {
            let createdb = try ChildProcess(
                path: binaries + "/createdb",
                arguments: ["-h", "127.0.0.1", "-p", String(port), "-U", Self.user, "-T", "template0"]
                    + (owner.map { ["-O", $0] } ?? []) + [name],
                standardOutput: .file(log), standardError: .standardOutput,
                environment: ["PGPASSWORD": Self.password])
            let deadline = ContinuousClock.now + .seconds(60)
            while createdb.isRunning && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            createdb.forceKill()
            if createdb.exitStatus == 0 { return name }
            if attempt < 5 { try await Task.sleep(for: .milliseconds(200 * attempt)) }
        }
        throw PostgresServerError(
            "createdb \(name) failed: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "no log")")
    }

    /// Runs `sql` with psql as the superuser in `database` (over TCP, plain); returns its unaligned, tuples-only
    /// output.
    public func query(_ sql: String, database: String) async throws -> String {
        let log = folder + "/psql-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let psql = try ChildProcess(
            path: binaries + "/psql",
            arguments: [
                "-h", "127.0.0.1", "-p", String(port), "-U", Self.user, "-d", database, "-At", "-v", "ON_ERROR_STOP=1",
                "-c", sql,
            ], standardOutput: .file(log), standardError: .standardOutput,
            environment: ["PGPASSWORD": Self.password, "PGSSLMODE": "disable"])
        let deadline = ContinuousClock.now + .seconds(60)
        while psql.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        psql.forceKill()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard psql.exitStatus == 0 else { throw PostgresServerError("psql failed: \(output)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Fast shutdown (SIGINT: clients are disconnected), SIGKILL after 10 s; removes the folder.
    public func stop() {
        watchdog?.forceKill()
        if process.isRunning {
            kill(process.pid, SIGINT)
            let deadline = ContinuousClock.now + .seconds(10)
            while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
            process.forceKill()
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    // MARK: The process's server

    private static let started = Mutex<Task<PostgresServer, any Error>?>(nil)
    private static let running = Mutex<PostgresServer?>(nil)

    /// The server of this test process, started on first use (initdb, then postgres) and stopped at exit.
    public static func shared() async throws -> PostgresServer {
        let task = started.withLock { task in
            if let task { return task }
            let new = Task { try await start() }
            task = new
            return new
        }
        return try await task.value
    }

    /// Where Debian puts the server's programs: the newest /usr/lib/postgresql/N/bin with initdb and postgres.
    public static func findBinaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bin = "\(root)/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: bin + "/initdb"),
                FileManager.default.isExecutableFile(atPath: bin + "/postgres")
            {
                return bin
            }
        }
        throw PostgresServerError("no PostgreSQL server under \(root)/*/bin (apt-get install postgresql)")
    }

    /// initdb and postgres as `nobody` (PostgreSQL refuses root) in a new temporary folder owned by it; waits up to
    /// 60 s until it accepts connections. Tries new ports up to five times.
    static func start() async throws -> PostgresServer {
        let binaries = try findBinaries()
        let folder = NSTemporaryDirectory() + "uplink-postgres-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let owner = getuid() == 0 ? getpwnam("nobody").map { ($0.pointee.pw_uid, $0.pointee.pw_gid) } : nil
        if let owner {
            guard chown(folder, owner.0, owner.1) == 0 else {
                throw PostgresServerError("cannot give \(folder) to nobody: \(String(cString: strerror(errno)))")
            }
        }
        chmod(folder, 0o700)
        let passwordFile = folder + "/password"
        try Self.password.write(toFile: passwordFile, atomically: false, encoding: .utf8)
        if let owner { chown(passwordFile, owner.0, owner.1) }
        let log = folder + "/postgres.log"
        let initdb = try launch(
            owner != nil, binaries + "/initdb",
            [
                "-D", folder + "/data", "-U", user, "--pwfile=" + passwordFile, "--auth-host=scram-sha-256",
                "--auth-local=trust", "-E", "UTF8", "--locale=C", "--no-sync",
            ], log: folder + "/initdb.log")
        let deadline = ContinuousClock.now + .seconds(120)
        while initdb.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        initdb.forceKill()
        guard initdb.exitStatus == 0 else {
            let text = (try? String(contentsOfFile: folder + "/initdb.log", encoding: .utf8)) ?? "no log"
            try? FileManager.default.removeItem(atPath: folder)
            throw PostgresServerError("initdb failed: \(text)")
        }
        let tls = try writeTLSFiles(folder: folder, owner: owner)
        var lastError = "no attempt"
        for _ in 0..<5 {
            let port = try TestPorts.free()
            let process = try launch(
                owner != nil, binaries + "/postgres",
                [
                    "-D", folder + "/data", "-h", "127.0.0.1", "-p", String(port), "-k", folder, "-c", "fsync=off",
                    "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200",
                    "-c", "ssl=on", "-c", "ssl_cert_file=\(tls)/server.pem", "-c", "ssl_key_file=\(tls)/server.key",
                    "-c", "ssl_ca_file=\(tls)/ca.pem", "-c", "hba_file=\(tls)/pg_hba.conf",
                ], log: log)
            let ready = ContinuousClock.now + .seconds(60)
            while process.isRunning && ContinuousClock.now < ready && !TestPorts.isListening(port) {
                try await Task.sleep(for: .milliseconds(20))
            }
            // Listening is not ready: until its startup ends, the server answers "the database system is
            // starting up". pg_isready says when it accepts sessions.
            var accepting = false
            while process.isRunning && ContinuousClock.now < ready {
                accepting = await isReady(binaries, port)
                if accepting { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            if process.isRunning && accepting {
                let server = PostgresServer(
                    port: port, folder: folder, binaries: binaries, process: process,
                    watchdog: startWatchdog(serverPid: process.pid, folder: folder))
                running.withLock { $0 = server }
                atexit { PostgresServer.running.withLock { $0 }?.stop() }
                try await server.createCertificateUser()
                return server
            }
            process.forceKill()
            lastError = (try? String(contentsOfFile: log, encoding: .utf8)) ?? "no log"
        }
        try? FileManager.default.removeItem(atPath: folder)
        throw PostgresServerError("postgres did not start: \(lastError.suffix(2000))")
    }

    /// Whether the server on `port` accepts sessions (`pg_isready` exits 0), asked for at most 10 s.
    private static func isReady(_ binaries: String, _ port: Int) async -> Bool {
        guard
            let probe = try? ChildProcess(
                path: binaries + "/pg_isready", arguments: ["-h", "127.0.0.1", "-p", String(port), "-t", "5"],
                standardOutput: .discard, standardError: .discard)
        else { return false }
        let deadline = ContinuousClock.now + .seconds(10)
        while probe.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        probe.forceKill()
        return probe.exitStatus == 0
    }

    /// The development PKI (server certificate for localhost/127.0.0.1/::1, a client certificate for
    /// ``certificateUser``) and the authentication rules, in `folder`/tls, owned by the server's user (PostgreSQL
    /// wants its key 0600 and its own); returns that folder.
    private static func writeTLSFiles(folder: String, owner: (uid_t, gid_t)?) throws -> String {
        var options = DevPKI.Options()
        options.devicePrefix = String(certificateUser.dropLast(4))
        let tls = folder + "/tls"
        let paths = try DevPKI.generate(options).write(to: tls)
        let rules = """
            local all all trust
            hostssl all \(certificateUser) 127.0.0.1/32 cert
            host all \(certificateUser) all reject
            host all all 127.0.0.1/32 scram-sha-256
            host all all ::1/128 scram-sha-256

            """
        try rules.write(toFile: tls + "/pg_hba.conf", atomically: false, encoding: .utf8)
        if let owner {
            for path in [tls, tls + "/pg_hba.conf"] + paths { chown(path, owner.0, owner.1) }
        }
        return tls
    }

    /// Creates ``certificateUser`` (LOGIN, no password).
    private func createCertificateUser() async throws {
        let log = folder + "/createuser.log"
        let createuser = try ChildProcess(
            path: binaries + "/createuser",
            arguments: ["-h", "127.0.0.1", "-p", String(port), "-U", Self.user, Self.certificateUser],
            standardOutput: .file(log), standardError: .standardOutput, environment: ["PGPASSWORD": Self.password])
        let deadline = ContinuousClock.now + .seconds(60)
        while createuser.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        createuser.forceKill()
        guard createuser.exitStatus == 0 else {
            throw PostgresServerError(
                "createuser failed: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "no log")")
        }
    }

    /// Runs `path` directly, or as nobody through setpriv (which execs it: the pid is the program's).
    private static func launch(_ asNobody: Bool, _ path: String, _ arguments: [String], log: String) throws
        -> ChildProcess
    {
        if asNobody {
            return try ChildProcess(
                path: "/usr/bin/setpriv",
                arguments: ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", path] + arguments,
                standardOutput: .file(log), standardError: .standardOutput)
        }
        return try ChildProcess(
            path: path, arguments: arguments, standardOutput: .file(log), standardError: .standardOutput)
    }
}

public struct PostgresServerError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
