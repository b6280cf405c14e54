/// The parsed material of a fit request, with every size the changes need, and the slot arithmetic.
struct FitModel {
    /// A certificate or key with its sizes in both encodings.
    struct Piece {
        var label: String
        var pem: Int
        var der: Int

        func size(_ encoding: CredentialEncoding) -> Int { encoding == .pem ? pem : der }
    }

    /// A key's sizes in its given format and in the traditional one.
    struct KeySizes {
        var label: String
        var given: PrivateKeyFormat
        var traditional: PrivateKeyFormat
        var sizes: [PrivateKeyFormat: Piece]
    }

    /// A slot as given: the encoding and the bytes of the files.
    struct Given {
        var bytes: Int
        var encoding: CredentialEncoding
    }

    var layout: SlotLayout
    var caPieces: [Piece]
    var caRoots: [AmazonRootCA?]
    var caGiven: Given
    var leaf: Piece
    var chainCAs: [Piece]
    var certGiven: Given
    var key: KeySizes
    var keyGiven: Given
    /// EC P-256 estimates (generated and measured), when the material holds RSA.
    var ecLeaf: Piece?
    var ecChainCAs: [Piece] = []
    var ecKey: KeySizes?

    /// The slot table for a set of changes under `layout`, or `nil` when a layout change is asked for and no
    /// layout within the budget holds the material.
    func slots(_ changes: Set<FitChange.Kind>) -> (layout: SlotLayout, slots: [FitSlotUsage])? {
        let base = usage(changes, layout: layout)
        guard changes.contains(.slotLayout) else { return (layout, base) }
        guard let proposed = FitModel.proposeLayout(needs: base.map(\.bytes), from: layout) else { return nil }
        return (proposed, usage(changes, layout: proposed))
    }

    private func usage(_ changes: Set<FitChange.Kind>, layout: SlotLayout) -> [FitSlotUsage] {
        let toDER = changes.contains(.der)

        // ca
        var ca = caPieces
        var caChanged = false
        if changes.contains(.amazonRootCA3), let index = caRoots.firstIndex(of: .rootCA1) {
            if caRoots.contains(.rootCA3) {
                ca.remove(at: index)
            } else {
                let root = AmazonRootCA.rootCA3
                ca[index] = Piece(label: "\(root.commonName) (EC P-256)", pem: root.pemSize, der: root.derSize)
            }
            caChanged = true
        }
        let caSlot = row(
            .ca, pieces: ca, given: caGiven, changed: caChanged, toDER: toDER, layout: layout, certificates: ca.count)

        // cert
        let useEC = changes.contains(.ecP256) && ecLeaf != nil
        let drop = changes.contains(.dropJITRCA)
        let certLeaf = useEC ? (ecLeaf ?? leaf) : leaf
        let certCAs = drop ? [] : (useEC ? ecChainCAs : chainCAs)
        let certChanged = useEC || (drop && !chainCAs.isEmpty)
        let certPieces = [certLeaf] + certCAs
        let certSlot = row(
            .cert, pieces: certPieces, given: certGiven, changed: certChanged, toDER: toDER, layout: layout,
            certificates: certPieces.count)

        // key
        let keySizes = useEC ? (ecKey ?? key) : key
        let traditional = changes.contains(.traditionalKey)
        let format = traditional ? keySizes.traditional : keySizes.given
        let keyPiece = keySizes.sizes[format] ?? Piece(label: keySizes.label, pem: 0, der: 0)
        let keyChanged = useEC || (traditional && key.given != key.traditional)
        var labelled = keyPiece
        labelled.label = "\(keySizes.label) \(format)"
        let keySlot = row(
            .key, pieces: [labelled], given: keyGiven, changed: keyChanged, toDER: toDER, layout: layout,
            certificates: 0)
        return [caSlot, certSlot, keySlot]
    }

    private func row(
        _ slot: CredentialSlot, pieces: [Piece], given: Given, changed: Bool, toDER: Bool, layout: SlotLayout,
        certificates: Int
    ) -> FitSlotUsage {
        let encoding: CredentialEncoding = toDER ? .der : given.encoding
        let bytes =
            (!changed && encoding == given.encoding) ? given.bytes : pieces.reduce(0) { $0 + $1.size(encoding) }
        let der = pieces.reduce(0) { $0 + $1.der }
        let capacity = layout.capacity(of: slot)
        var problems = [String]()
        if bytes > capacity { problems.append("\(bytes - capacity) bytes over") }
        let chainRefused = slot == .cert && certificates > 1 && !layout.allowsChainInCert
        if chainRefused {
            problems.append("\(certificates) certificates, \(layout.profile) takes one")
        }
        return FitSlotUsage(
            slot: slot, contents: pieces.map(\.label), encoding: encoding, bytes: bytes, derBytes: der,
            capacity: capacity, certificateCount: certificates, fits: problems.isEmpty,
            fitsAsDER: der <= capacity && !chainRefused,
            problem: problems.isEmpty ? nil : problems.joined(separator: "; "))
    }

    /// A layout within `from.budget` holding `needs` (ca, cert, key), using the whole budget: the roundest
    /// capacities (multiples of 1024, 512, ... 16 bytes) that leave every slot `wantedMargin` bytes to spare,
    /// else the layout with the largest smallest margin; `nil` when the needs exceed the budget.
    static func proposeLayout(needs: [Int], from layout: SlotLayout, wantedMargin: Int = 128) -> SlotLayout? {
        guard needs.count == 3, needs.reduce(0, +) <= layout.budget else { return nil }
        var best: (capacities: [Int], margin: Int)?
        for step in [1024, 512, 256, 128, 64, 16, 1] {
            var capacities = needs.map { max(step, ($0 + step - 1) / step * step) }
            var left = layout.budget - capacities.reduce(0, +)
            guard left >= 0 else { continue }
            while left >= step {
                // Give the next step to the slot with the smallest margin; the cert slot first on ties.
                let order = [1, 0, 2]
                guard let index = order.min(by: { capacities[$0] - needs[$0] < capacities[$1] - needs[$1] }) else {
                    break
                }
                capacities[index] += step
                left -= step
            }
            let margin = zip(capacities, needs).map { $0 - $1 }.min() ?? 0
            if margin > (best?.margin ?? -1) { best = (capacities, margin) }
            if margin >= wantedMargin { break }
        }
        guard let best else { return nil }
        return try? layout.resized(ca: best.capacities[0], cert: best.capacities[1], key: best.capacities[2])
    }
}
