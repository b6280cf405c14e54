import Testing
import UplinkModule

/// The flash image of the file volume: read back exactly, and every damaged image refused whole.
@Suite("Files: the flash image", .timeLimit(.minutes(1)))
struct FileImageTests {
    private func sample() throws -> ModuleFileSystem {
        var volume = ModuleFileSystem(limits: .spwf01)
        try volume.create("/index.html", capacity: 100)
        try volume.append(Array("<html></html>".utf8), to: "/index.html", create: false)
        try volume.append([0, 1, 2, 255], to: "/raw", create: true)
        return volume
    }

    @Test("an image reads back as the same volume")
    func roundTrip() throws {
        let volume = try sample()
        #expect(ModuleFileSystem.decode(volume.serialized(), limits: .spwf01) == volume)
        #expect(ModuleFileSystem.decode(ModuleFileSystem(limits: .spwf04).serialized(), limits: .spwf04)?.files == [])
        #expect(volume.usedBytes == 104)
    }

    @Test("every truncation, and a byte too many, is refused")
    func damaged() throws {
        let image = try sample().serialized()
        for count in 0..<image.count {
            #expect(ModuleFileSystem.decode(Array(image.prefix(count)), limits: .spwf01) == nil, "\(count) bytes")
        }
        #expect(ModuleFileSystem.decode(image + [0], limits: .spwf01) == nil)
        var wrongMagic = image
        wrongMagic[0] = 0x58
        #expect(ModuleFileSystem.decode(wrongMagic, limits: .spwf01) == nil)
    }
}
