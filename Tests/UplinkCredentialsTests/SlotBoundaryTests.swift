import Testing

@testable import UplinkCredentials

/// Capacity rules at their boundary: material that exactly fills its slot fits, one byte more does not; a total
/// that exactly fills the flash budget fits, one byte more does not. For every slot, in the module's slot validator
/// (what `AT+S.TLSCERT` accepts), in `fit` and in layout resizing.
@Suite("Slots and the flash budget: exact fit and one byte over", .timeLimit(.minutes(1)))
struct SlotBoundaryTests {
    /// EC material for each slot (PEM, as a team would send it) and a server name.
    static func material() throws -> [CredentialSlot: [UInt8]] {
        let pki = try Fixtures.ecPKI()
        return [
            .ca: pki.root.certificate.pemString.bytes, .cert: pki.devices[0].certificate.pemString.bytes,
            .key: pki.devices[0].key.pemString.bytes, .domain: "broker.iot.eu-west-1.amazonaws.test".bytes,
        ]
    }

    /// A layout with generous slots, except `slot`, which holds exactly `capacity` bytes.
    static func layout(_ slot: CredentialSlot, capacity: Int) -> SlotLayout {
        var layout = SlotLayout(
            profile: "boundary", ca: 8192, cert: 8192, key: 8192, domain: 8192, budget: 3 * 8192,
            allowsChainInCert: true)
        switch slot {
        case .ca: layout.ca = capacity
        case .cert: layout.cert = capacity
        case .key: layout.key = capacity
        case .domain: layout.domain = capacity
        }
        return layout
    }

    @Test(
        "the slot validator: exactly the capacity is stored, one byte over is refused",
        arguments: CredentialSlot.allCases)
    func validatorBoundary(_ slot: CredentialSlot) throws {
        let bytes = try #require(try Self.material()[slot])
        var exact = CredentialStore(layout: Self.layout(slot, capacity: bytes.count))
        let content = try exact.store(bytes, in: slot)
        #expect(content.size == bytes.count)
        #expect(exact[slot] != nil)

        var tight = CredentialStore(layout: Self.layout(slot, capacity: bytes.count - 1))
        #expect(throws: CredentialError.overCapacity(slot: slot, size: bytes.count, capacity: bytes.count - 1)) {
            try tight.store(bytes, in: slot)
        }
        #expect(tight[slot] == nil)
    }

    /// A request for the EC material.
    static func request(_ layout: SlotLayout) throws -> FitRequest {
        let material = try material()
        return FitRequest(
            layout: layout, ca: .init(name: "ca.pem", bytes: try #require(material[.ca])),
            cert: .init(name: "device.pem", bytes: try #require(material[.cert])),
            key: .init(name: "device.key", bytes: try #require(material[.key])))
    }

    /// The layout whose slots and budget the EC material fills exactly.
    static func exactLayout() throws -> SlotLayout {
        let material = try material()
        let ca = try #require(material[.ca]).count
        let cert = try #require(material[.cert]).count
        let key = try #require(material[.key]).count
        return SlotLayout(
            profile: "boundary", ca: ca, cert: cert, key: key, domain: 256, budget: ca + cert + key,
            allowsChainInCert: true)
    }

    @Test("fit: material that exactly fills every slot and the budget fits")
    func fitExact() throws {
        let layout = try Self.exactLayout()
        let analysis = try FitAnalysis.analyze(try Self.request(layout))
        #expect(analysis.fits)
        #expect(analysis.verdict == "fits")
        #expect(analysis.total == layout.budget)
        for row in analysis.slots {
            #expect(row.bytes == row.capacity, "\(row.slot)")
            #expect(row.fits, "\(row.slot)")
            #expect(row.margin == 0, "\(row.slot)")
            #expect(row.problem == nil, "\(row.slot)")
        }
    }

    @Test("fit: one byte over a slot does not fit, and names that slot", arguments: CredentialSlot.material)
    func fitOneOver(_ slot: CredentialSlot) throws {
        var layout = try Self.exactLayout()
        switch slot {
        case .ca: layout.ca -= 1
        case .cert: layout.cert -= 1
        case .key: layout.key -= 1
        case .domain: return
        }
        let analysis = try FitAnalysis.analyze(try Self.request(layout))
        #expect(!analysis.fits)
        #expect(analysis.verdict == "does not fit")
        let row = try #require(analysis.slots.first { $0.slot == slot })
        #expect(!row.fits)
        #expect(row.margin == -1)
        #expect(row.problem == "1 bytes over")
        #expect(analysis.problems.contains("\(slot) \(row.bytes) bytes, 1 over its \(row.capacity)"))
        for other in analysis.slots where other.slot != slot { #expect(other.fits, "\(other.slot)") }
    }

    @Test("fit: one byte over the budget does not fit, though every slot does")
    func fitOverBudget() throws {
        var layout = try Self.exactLayout()
        layout.budget -= 1
        let analysis = try FitAnalysis.analyze(try Self.request(layout))
        #expect(analysis.slots.allSatisfy { $0.fits })
        #expect(analysis.total == layout.budget + 1)
        #expect(!analysis.fits)
        #expect(analysis.verdict == "does not fit")
    }

    @Test("resizing: a layout that exactly fills the budget is accepted, one byte more is refused")
    func resizeBoundary() throws {
        let exact = try SlotLayout.spwf01Legacy.resized(ca: 2048, cert: 3072, key: 1024)
        #expect(exact.total == 6144)
        #expect(try SlotLayout.spwf01Legacy.resized("ca=2k,cert=3k,key=1k") == exact)
        #expect(
            throws: CredentialError.layoutOverBudget(
                layout: "ca=2048,cert=3073,key=1024", total: 6145, budget: 6144, profile: "spwf01-3.5")
        ) {
            try SlotLayout.spwf01Legacy.resized(ca: 2048, cert: 3073, key: 1024)
        }
        for (ca, cert, key) in [(4097, 4096, 4096), (4096, 4097, 4096), (4096, 4096, 4097)] {
            #expect(throws: CredentialError.self) { try SlotLayout.spwf04.resized(ca: ca, cert: cert, key: key) }
        }
        #expect(try SlotLayout.spwf04.resized(ca: 4096, cert: 4096, key: 4096).total == 12288)
    }

    @Test("a proposed layout: needs that exactly fill the budget get exactly their size, one byte more gets none")
    func proposalBoundary() throws {
        let exact = try #require(FitModel.proposeLayout(needs: [2000, 3000, 1144], from: .spwf01Legacy))
        #expect([exact.ca, exact.cert, exact.key] == [2000, 3000, 1144])
        #expect(FitModel.proposeLayout(needs: [2000, 3000, 1145], from: .spwf01Legacy) == nil)
    }
}
