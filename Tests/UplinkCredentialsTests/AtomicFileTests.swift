import Foundation
import Testing
import UplinkFiles

@testable import UplinkCredentials

/// The one atomic file writer: exclusive temporaries, the mode before the first byte, no symbolic link followed
/// or replaced, `overwrite: false` without a race.
@Suite("AtomicFile: mode, symbolic links, exclusive creation")
struct AtomicFileTests {
    private func mode(_ path: String) -> Int {
        var info = stat()
        guard lstat(path, &info) == 0 else { return -1 }
        return Int(info.st_mode & 0o7777)
    }

    private func names(_ folder: TemporaryFolder) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test("The mode is exact whatever the umask, for a new file and a replaced one")
    func exactMode() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("key.pem")
        let saved = umask(0o000)
        defer { umask(saved) }
        try AtomicFile.write(Array("one".utf8), to: path, mode: 0o600)
        #expect(mode(path) == 0o600)
        umask(0o077)
        try AtomicFile.write(Array("two".utf8), to: path, mode: 0o644)
        #expect(mode(path) == 0o644)
        #expect(FileManager.default.contents(atPath: path) == Data("two".utf8))
        #expect(names(folder) == ["key.pem"], "no temporary left")
    }

    @Test("A symbolic link at the destination is refused; its target is untouched")
    func symbolicLink() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let target = try folder.write("target", Array("precious".utf8))
        let link = folder.file("link")
        #expect(symlink(target, link) == 0)
        #expect(throws: AtomicFileError.symbolicLink(path: link)) {
            try AtomicFile.write(Array("evil".utf8), to: link, mode: 0o600)
        }
        #expect(FileManager.default.contents(atPath: target) == Data("precious".utf8))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target, "the link itself stays")
        // Through the credential writer too (uplink certs ... --out, dev-pki --force).
        #expect(throws: CredentialError.self) {
            try SecureFileWriter.write(Array("evil".utf8), to: link, mode: 0o600, overwrite: true)
        }
        #expect(names(folder) == ["link", "target"])
        // A trace (or any appended file) refuses it as well.
        #expect(throws: AtomicFileError.symbolicLink(path: link)) { _ = try AtomicFile.createForAppending(link) }
        #expect(FileManager.default.contents(atPath: target) == Data("precious".utf8))
    }

    @Test("A folder at the destination is refused")
    func folderAtDestination() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("sub"), withIntermediateDirectories: false)
        #expect(throws: AtomicFileError.notRegularFile(path: folder.file("sub"))) {
            try AtomicFile.write([1], to: folder.file("sub"))
        }
    }

    @Test("overwrite: false keeps an existing file, and of 16 racing writers exactly one wins")
    func noReplace() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let existing = try folder.write("ca.key", Array("old".utf8))
        #expect(throws: AtomicFileError.exists(path: existing)) {
            try AtomicFile.write(Array("new".utf8), to: existing, mode: 0o600, overwrite: false)
        }
        #expect(FileManager.default.contents(atPath: existing) == Data("old".utf8))
        for round in 0..<20 {
            let path = folder.file("race-\(round)")
            let winners = await withTaskGroup(of: Int?.self) { group in
                for writer in 0..<16 {
                    group.addTask {
                        (try? AtomicFile.write(Array("writer \(writer)".utf8), to: path, overwrite: false)) != nil
                            ? writer : nil
                    }
                }
                var winners: [Int] = []
                for await winner in group { if let winner { winners.append(winner) } }
                return winners
            }
            #expect(winners.count == 1, "round \(round): \(winners.count) writers all 'created' the file")
            if let winner = winners.first {
                #expect(FileManager.default.contents(atPath: path) == Data("writer \(winner)".utf8))
            }
        }
        #expect(names(folder).allSatisfy { !$0.contains(".tmp-") }, "\(names(folder))")
    }

    @Test("A temporary planted under the old predictable name is neither followed nor reused")
    func plantedTemporary() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let target = try folder.write("elsewhere", Array("precious".utf8))
        let path = folder.file("server.key")
        // The writers before AtomicFile used "<path>.tmp-<pid>".
        #expect(symlink(target, path + ".tmp-\(getpid())") == 0)
        try SecureFileWriter.write(Array("key".utf8), to: path, mode: 0o600)
        #expect(FileManager.default.contents(atPath: target) == Data("precious".utf8))
        #expect(FileManager.default.contents(atPath: path) == Data("key".utf8))
    }

    @Test("removeTemporaries removes what a killed writer left, and only that")
    func leftovers() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try folder.write(".config.tmp-123-456", [1])
        _ = try folder.write("config", [2])
        _ = try folder.write(".hidden", [3])
        #expect(AtomicFile.removeTemporaries(in: folder.path) == 1)
        #expect(names(folder) == [".hidden", "config"])
    }
}
