/// A CLI failure with the message to print.
struct MQTTCLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
