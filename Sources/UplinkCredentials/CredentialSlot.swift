/// A credential slot of the module: trust roots, client certificate (or chain), private key, server name.
public enum CredentialSlot: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    /// Trust roots for verifying the server (`TLSCERT=ca`).
    case ca
    /// The client certificate, or the client chain leaf first where the profile allows (`TLSCERT=cert`).
    case cert
    /// The client private key (`TLSCERT=key`).
    case key
    /// The expected server name (`TLSDOMAIN`), a string slot outside the flash budget.
    case domain

    /// The slots that hold certificates or keys and count against the flash budget.
    public static let material: [CredentialSlot] = [.ca, .cert, .key]

    public var description: String { rawValue }
}
