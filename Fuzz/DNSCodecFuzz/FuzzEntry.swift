import DNSCodec

/// libFuzzer entry point for the DNS message codec.
///
/// Every input must decode or throw without crashing, strictly and with truncation accepted. Whatever decodes
/// must re-encode (with and without name compression) to bytes that decode to the same message, and render as
/// text; a violation traps so libFuzzer records the input. The first bytes are also tried as a name in
/// presentation form.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for accepting in [false, true] {
        let message: DNSMessage
        do {
            message = try DNSMessage.decode(bytes, acceptingTruncation: accepting)
        } catch {
            _ = error.description
            continue
        }
        checkRoundTrip(message)
    }
    if let name = try? DNSName(String(decoding: bytes.prefix(300), as: UTF8.self)) {
        guard let reparsed = try? DNSName(name.description), reparsed == name else {
            preconditionFailure("a name does not survive its presentation form")
        }
    }
    return 0
}

private func checkRoundTrip(_ message: DNSMessage) {
    for compression in [true, false] {
        let encoded = message.encode(compression: compression)
        guard let decoded = try? DNSMessage.decode(encoded), decoded == message else {
            preconditionFailure("re-encoded message does not decode to the same message")
        }
    }
    _ = message.description
}
