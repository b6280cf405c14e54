import ATCodec

extension ModuleEngine {
    /// The command's parameters split at the console delimiter; the last keeps any further delimiters.
    func fields(_ line: ATCommandLine, limit: Int = Int.max) -> [Substring] {
        line.fields(limit: limit, delimiter: delimiter)
    }

    /// Exactly `count` parameters, or `invalidArguments`.
    func requireFields(_ line: ATCommandLine, count: Int) throws(ATError) -> [Substring] {
        let parts = fields(line, limit: count)
        guard parts.count == count else { throw .invalidArguments }
        return parts
    }

    /// A decimal integer in a range, or `invalidArguments`.
    func integer(_ text: Substring, in range: ClosedRange<Int>) throws(ATError) -> Int {
        guard !text.isEmpty, text.utf8.count <= 10, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = Int(text), range.contains(value)
        else { throw .invalidArguments }
        return value
    }

    /// A socket id (`0`–`7`, zero-padding allowed), or `illegalSocketID`.
    func socketID(_ text: Substring) throws(ATError) -> Int {
        guard !text.isEmpty, text.utf8.count <= 3, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = Int(text), sockets.indices.contains(value)
        else { throw .illegalSocketID }
        return value
    }

    /// The open socket with this id, or `illegalSocketID`.
    func openSocket(_ text: Substring) throws(ATError) -> ModuleSocket {
        guard let socket = sockets[try socketID(text)] else { throw .illegalSocketID }
        return socket
    }

    /// Fails unless the command had no `=` part.
    func requireNoArgument(_ line: ATCommandLine) throws(ATError) {
        guard line.argument == nil else { throw .invalidArguments }
    }
}
