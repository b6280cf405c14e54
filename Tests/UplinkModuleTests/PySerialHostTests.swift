import Foundation
import Testing
import UplinkTestSupport

/// A firmware profile as the pyserial host drives it.
struct PySerialProfile: Sendable, CustomTestStringConvertible {
    /// The `--profile` of `uplink module` and the `--dialect` of the host script.
    var name: String
    /// A text configuration variable this dialect has (SPWF04 has no `user_desc`).
    var textVariable: String

    var testDescription: String { name }

    static let all = [
        PySerialProfile(name: "spwf01", textVariable: "user_desc"),
        PySerialProfile(name: "spwf04", textVariable: "ip_hostname"),
    ]
}

/// `uplink module` driven by a real third-party host: Python with pyserial, over the pseudo-terminal
/// (Tests/Host/pyserial_host.py). Needs `UPLINK_PYTHON` (scripts/test sets it up).
@Suite("pyserial host: a real Python host on the pseudo-terminal", .serialized, .timeLimit(.minutes(1)))
struct PySerialHostTests {
    @Test("Wi-Fi, TCP echo, UDP echo, peer close and reopen", arguments: PySerialProfile.all)
    func fullSession(profile: PySerialProfile) async throws {
        let tools = try PySerialTools.locate()
        let folder = try PySerialScratch()
        defer { folder.remove() }

        let module = try await PySerialModule.launch(
            tools.uplink, profile: profile.name, storage: ["--volatile"], in: folder, name: "module")
        let run: PySerialRun
        do {
            run = try await tools.host(module.link, ["--dialect", profile.name, "--mode", "full"], in: folder)
        } catch {
            _ = await module.stop()
            throw error
        }
        let stopped = await module.stop()
        #expect(run.status == 0, "pyserial host failed (exit \(run.status)):\n\(run.transcript)\n\(module.log)")
        #expect(stopped == 0, "uplink module did not exit cleanly on SIGTERM (\(stopped)):\n\(module.log)")
        if run.status == 0 { print(run.stdout, terminator: "") }
    }

    @Test("A variable saved to flash survives a restart of the process", arguments: PySerialProfile.all)
    func persistence(profile: PySerialProfile) async throws {
        let tools = try PySerialTools.locate()
        let folder = try PySerialScratch()
        defer { folder.remove() }
        let flash = folder.path("flash")
        let variable = ["--var", profile.textVariable, "--value", "persisted-42"]

        for (index, mode) in ["save", "check"].enumerated() {
            let module = try await PySerialModule.launch(
                tools.uplink, profile: profile.name, storage: ["--flash", flash], in: folder, name: "module\(index)")
            let run: PySerialRun
            do {
                run = try await tools.host(
                    module.link, ["--dialect", profile.name, "--mode", mode] + variable, in: folder)
            } catch {
                _ = await module.stop()
                throw error
            }
            let stopped = await module.stop()
            try #require(
                run.status == 0,
                "pyserial host (\(mode)) failed (exit \(run.status)):\n\(run.transcript)\n\(module.log)")
            #expect(stopped == 0, "uplink module did not exit cleanly on SIGTERM (\(stopped)):\n\(module.log)")
            print(run.stdout, terminator: "")
        }
    }
}

// MARK: - Helpers (file-private, prefixed: other files of this target define their own)

/// A failure of the test's set-up, with a message that says what to do.
private struct PySerialSetupError: Error, CustomStringConvertible {
    var description: String
}

/// The finished host script.
private struct PySerialRun {
    var status: Int32
    var stdout: String
    var stderr: String

    var transcript: String { "--- stdout ---\n\(stdout)--- stderr ---\n\(stderr)" }
}

/// The package root, the `uplink` executable, Python with pyserial and the host script.
private struct PySerialTools {
    var root: URL
    var uplink: String
    var python: String
    var script: String

    /// How long the host script may run before it is killed (it has its own, shorter budget).
    static let scriptTimeout: Double = 120

    static func locate(filePath: String = #filePath) throws -> PySerialTools {
        // <root>/Tests/UplinkModuleTests/PySerialHostTests.swift
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let environment = ProcessInfo.processInfo.environment
        let files = FileManager.default

        let uplink: String
        if let explicit = environment["UPLINK_BIN"], !explicit.isEmpty {
            uplink = explicit
        } else {
            // The `uplink` of the same build as this test bundle (any --scratch-path), else .build/debug.
            let sibling = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("uplink").path
            uplink =
                files.isExecutableFile(atPath: sibling)
                ? sibling : root.appendingPathComponent(".build/debug/uplink").path
        }
        guard files.isExecutableFile(atPath: uplink) else {
            throw PySerialSetupError(
                description: "no uplink executable at \(uplink): run `swift build` first, or set UPLINK_BIN")
        }

        guard let python = environment["UPLINK_PYTHON"], !python.isEmpty else {
            throw PySerialSetupError(
                description: "UPLINK_PYTHON is not set: run scripts/test (it creates .build-venv with pyserial)")
        }
        guard files.isExecutableFile(atPath: python) else {
            throw PySerialSetupError(description: "UPLINK_PYTHON=\(python) is not an executable: run scripts/test")
        }
        let script = root.appendingPathComponent("Tests/Host/pyserial_host.py").path
        guard files.fileExists(atPath: script) else {
            throw PySerialSetupError(description: "the host script is missing: \(script)")
        }
        let tools = PySerialTools(root: root, uplink: uplink, python: python, script: script)
        return tools
    }

    /// Runs the host script against `port`; kills it when it overruns.
    func host(_ port: String, _ arguments: [String], in folder: PySerialScratch) async throws -> PySerialRun {
        try await checkPySerial(in: folder)
        return try await PySerialChild.run(
            python, ["-u", script, port, "--total-timeout", "90"] + arguments, in: folder, name: "host",
            timeout: Self.scriptTimeout)
    }

    private func checkPySerial(in folder: PySerialScratch) async throws {
        let probe = try await PySerialChild.run(
            python, ["-c", "import serial, sys; sys.stdout.write(serial.__version__)"], in: folder, name: "probe",
            timeout: 30)
        guard probe.status == 0 else {
            throw PySerialSetupError(
                description: "pyserial is missing from UPLINK_PYTHON=\(python): run scripts/test\n\(probe.stderr)")
        }
    }
}

/// A temporary folder, removed at the end of a test.
private struct PySerialScratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("uplink-pyserial-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Child processes with their output in files (no pipe to fill up), waited for with deadlines.
private enum PySerialChild {
    static func start(_ executable: String, _ arguments: [String], in folder: PySerialScratch, name: String) throws
        -> ChildProcess
    {
        try ChildProcess(
            path: executable, arguments: arguments, standardOutput: .file(folder.path("\(name).out")),
            standardError: .file(folder.path("\(name).err")), environment: ["PYTHONUNBUFFERED": "1"])
    }

    static func read(_ folder: PySerialScratch, _ name: String, _ suffix: String) -> String {
        (try? String(contentsOfFile: folder.path("\(name).\(suffix)"), encoding: .utf8)) ?? ""
    }

    /// Waits up to `seconds` for `process` to exit; returns whether it did.
    static func wait(_ process: ChildProcess, seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while process.isRunning {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    static func run(
        _ executable: String, _ arguments: [String], in folder: PySerialScratch, name: String, timeout: Double
    ) async throws -> PySerialRun {
        let process = try start(executable, arguments, in: folder, name: name)
        let finished = await wait(process, seconds: timeout)
        if !finished { process.forceKill() }
        let result = PySerialRun(
            status: finished ? process.exitStatus ?? -2 : -1, stdout: read(folder, name, "out"),
            stderr: read(folder, name, "err") + (finished ? "" : "\n(killed after \(Int(timeout)) s)"))
        return result
    }
}

/// A running `uplink module` on a pseudo-terminal with a stable link.
private final class PySerialModule {
    let process: ChildProcess
    let folder: PySerialScratch
    let name: String
    /// The `--link` path the host opens.
    let link: String

    private init(process: ChildProcess, folder: PySerialScratch, name: String, link: String) {
        self.process = process
        self.folder = folder
        self.name = name
        self.link = link
    }

    /// Its output so far, for failure messages.
    var log: String {
        "--- uplink module stdout ---\n\(PySerialChild.read(folder, name, "out"))"
            + "--- uplink module stderr ---\n\(PySerialChild.read(folder, name, "err"))"
    }

    /// Starts the module; returns once the link exists and the pty path is printed (it has booted).
    static func launch(
        _ uplink: String, profile: String, storage: [String], in folder: PySerialScratch, name: String
    ) async throws -> PySerialModule {
        let link = folder.path("\(name).tty")
        let process = try PySerialChild.start(
            uplink, ["module", "--profile", profile, "--link", link] + storage, in: folder, name: name)
        let module = PySerialModule(process: process, folder: folder, name: name, link: link)
        let deadline = Date().addingTimeInterval(15)
        while true {
            let printed = PySerialChild.read(folder, name, "out").contains("\n")
            if printed && FileManager.default.fileExists(atPath: link) { return module }
            guard process.isRunning else {
                throw PySerialSetupError(
                    description:
                        "uplink module exited early (status \(process.exitStatus.map { "\($0)" } ?? "signal")):\n\(module.log)"
                )
            }
            guard Date() < deadline else {
                process.forceKill()
                throw PySerialSetupError(description: "uplink module did not create \(link) in 15 s:\n\(module.log)")
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    /// Sends SIGTERM and waits; returns the exit status, -2 after a signal, or -1 when it had to be killed.
    func stop() async -> Int32 {
        guard process.isRunning else { return process.exitStatus ?? -2 }
        process.terminate()
        if await PySerialChild.wait(process, seconds: 10) { return process.exitStatus ?? -2 }
        process.forceKill()
        return -1
    }
}
