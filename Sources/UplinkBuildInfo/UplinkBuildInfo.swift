#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--version`: the release number (a constant, raised by hand at a release) and the git revision of the build.
///
/// SwiftPM cannot put a value computed at build time into the source without a build plugin, so the revision lives
/// in a file next to the executable, `<executable>.revision`, written by `scripts/stamp-revision` right after
/// `swift build` (scripts/test runs it): the output of `git describe --always --dirty --tags`, then the
/// executable's modification time. The revision is shown only while that time is still the executable's: after a
/// later plain `swift build` it says `revision unknown`, never a wrong revision.
public enum UplinkBuildInfo {
    /// The release number.
    public static let version = "0.1.0"

    /// What `--version` prints.
    public static var versionLine: String {
        "\(version) (\(revision.map { "git \($0)" } ?? "revision unknown: not stamped by scripts/stamp-revision"))"
    }

    /// The stamped revision, when the stamp belongs to this very executable.
    public static var revision: String? {
        guard let executable = executablePath(), let text = readSmallFile(executable + ".revision") else { return nil }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, let stamped = Int(fields[1]) else { return nil }
        var info = stat()
        guard stat(executable, &info) == 0 else { return nil }
        #if canImport(Darwin)
            let modified = Int(info.st_mtimespec.tv_sec)
        #else
            let modified = Int(info.st_mtim.tv_sec)
        #endif
        return modified == stamped ? String(fields[0]) : nil
    }

    private static func executablePath() -> String? {
        #if os(Linux)
            var buffer = [CChar](repeating: 0, count: 4096)
            let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
            if count > 0 { return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        #endif
        return CommandLine.arguments.first
    }

    private static func readSmallFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 512)
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: bytes[0..<count], as: UTF8.self)
    }
}
