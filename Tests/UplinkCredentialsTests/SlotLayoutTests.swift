import Testing

@testable import UplinkCredentials

@Suite("Slot layouts of the profiles", .timeLimit(.minutes(1)))
struct SlotLayoutTests {
    @Test func profiles() throws {
        let legacy = try SlotLayout.profile(named: "spwf01-3.5")
        #expect((legacy.ca, legacy.cert, legacy.key, legacy.budget) == (2048, 2048, 2048, 6144))
        #expect(!legacy.allowsChainInCert)
        for name in ["spwf01", "SPWF04"] {
            let layout = try SlotLayout.profile(named: name)
            #expect((layout.ca, layout.cert, layout.key, layout.budget) == (4096, 4096, 4096, 12288))
            #expect(layout.allowsChainInCert)
        }
        #expect(throws: CredentialError.unknownProfile("spwf02")) { try SlotLayout.profile(named: "spwf02") }
        #expect(
            CredentialError.unknownProfile("spwf02").description
                == "unknown profile 'spwf02'; use spwf01, spwf01-3.5, spwf04")
    }

    @Test func theSeedsLayoutFitsTheBudget() throws {
        let layout = try SlotLayout.named("spwf01-3.5", slots: "ca=2048,cert=3072,key=1024")
        #expect((layout.ca, layout.cert, layout.key) == (2048, 3072, 1024))
        #expect(layout.total == layout.budget)
        #expect(layout.isCustom)
        #expect(layout.allowsChainInCert)
        #expect(layout.description == "ca=2048,cert=3072,key=1024")
        let partial = try SlotLayout.named("spwf01-3.5", slots: " cert = 3k , key=1k")
        #expect((partial.ca, partial.cert, partial.key) == (2048, 3072, 1024))
    }

    @Test func layoutsBeyondTheBudgetAreRefused() {
        let error = CredentialError.layoutOverBudget(
            layout: "ca=2048,cert=3072,key=2048", total: 7168, budget: 6144, profile: "spwf01-3.5")
        #expect(throws: error) { try SlotLayout.named("spwf01-3.5", slots: "cert=3072") }
        #expect(
            error.description
                == "slot layout ca=2048,cert=3072,key=2048 takes 7168 bytes, 1024 more than the 6144-byte flash budget of spwf01-3.5"
        )
        #expect(throws: CredentialError.self) { try SlotLayout.named("spwf04", slots: "ca=4096,cert=8192,key=1024") }
        #expect(throws: Never.self) { try SlotLayout.named("spwf04", slots: "ca=3072,cert=8192,key=1024") }
    }

    @Test func badSpecifications() {
        #expect(throws: CredentialError.invalidLayout("unknown slot 'domain'; the layout has ca, cert and key")) {
            try SlotLayout.named("spwf01", slots: "domain=100")
        }
        #expect(throws: CredentialError.invalidLayout("slot cert is given twice")) {
            try SlotLayout.named("spwf01", slots: "cert=1000,cert=2000")
        }
        #expect(throws: CredentialError.invalidLayout("'lots' is not a size in bytes for key (e.g. 2048 or 2k)")) {
            try SlotLayout.named("spwf01", slots: "key=lots")
        }
        #expect(throws: CredentialError.invalidLayout("'ca' is not slot=bytes (e.g. ca=2048,cert=3072,key=1024)")) {
            try SlotLayout.named("spwf01", slots: "ca")
        }
        #expect(throws: CredentialError.invalidLayout("slot key needs a size above 0")) {
            try SlotLayout.named("spwf01", slots: "key=0")
        }
    }
}
