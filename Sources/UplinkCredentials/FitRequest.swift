/// What `fit` analyses: a slot layout and the files a team wants to store.
public struct FitRequest: Sendable {
    /// One input file: a name for messages (its path) and its bytes as given.
    public struct Input: Sendable {
        /// The name shown in the report and in errors.
        public var name: String
        /// The bytes, PEM or DER, exactly as they would be stored.
        public var bytes: [UInt8]

        /// An input with this name and contents.
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// The profile's layout, possibly resized with `--slots`.
    public var layout: SlotLayout
    /// Trust roots for the server (the `ca` slot), e.g. Amazon Root CA 1.
    public var ca: Input
    /// The device certificate (or a chain, leaf first).
    public var cert: Input
    /// The device's private key.
    public var key: Input
    /// The CA that issued the device certificate, sent with it for JITR (goes into `cert` after the leaf).
    public var jitrCA: Input?

    /// A request for these inputs.
    public init(layout: SlotLayout, ca: Input, cert: Input, key: Input, jitrCA: Input? = nil) {
        self.layout = layout
        self.ca = ca
        self.cert = cert
        self.key = key
        self.jitrCA = jitrCA
    }
}
