#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension ChildProcess {
    /// The process's own peak resident set so far (VmHWM of /proc/<pid>/status) and its anonymous resident
    /// memory now (RssAnon), bytes; `nil` once it is gone.
    ///
    /// Not `wait4`'s `ru_maxrss`: glibc's `posix_spawn` runs the child on the parent's memory (CLONE_VM) until
    /// `exec`, and Linux carries that memory's high-water mark into the child's `maxrss`, so a small child
    /// started by a big parent reports the parent's peak. VmHWM belongs to the child's own address space.
    public func memory() -> (peak: Int, anonymous: Int)? {
        let fd = open("/proc/\(pid)/status", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        var peak: Int?
        var anonymous = 0
        for line in String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("VmHWM:") { peak = Int(line.filter(\.isNumber)).map { $0 * 1024 } }
            if line.hasPrefix("RssAnon:") { anonymous = (Int(line.filter(\.isNumber)) ?? 0) * 1024 }
        }
        return peak.map { ($0, anonymous) }
    }
}
