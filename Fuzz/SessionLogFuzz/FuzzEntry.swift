import MQTTCodec
import UplinkMQTT

/// libFuzzer entry point for the session log's record decoder (``MQTTSessionLogCodec``).
///
/// Every input must scan without crashing or looping. What the scan reports must add up: the records' bytes, the
/// damaged ranges and the torn tail cover the input exactly once. Every record that decodes must re-encode to
/// bytes that decode to the same record; a violation traps so libFuzzer records the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let scan = MQTTSessionLogCodec.scan(bytes)
    let damaged = scan.damaged.reduce(0) { $0 + $1.count }
    if scan.validBytes + damaged + scan.tornTail != bytes.count { fatalError("scan does not cover the input") }
    var previous = 0
    for range in scan.damaged {
        if range.lowerBound < previous || range.isEmpty { fatalError("damaged ranges out of order") }
        previous = range.upperBound
    }
    for record in scan.records {
        var encoded: [UInt8] = []
        MQTTSessionLogCodec.encode(record, into: &encoded)
        guard let (again, next) = MQTTSessionLogCodec.decodeRecord(encoded, at: 0), next == encoded.count,
            again == record
        else { fatalError("record does not round-trip: \(record)") }
    }
    // Every offset, as the resynchronising scan probes them.
    var offset = 0
    while offset < bytes.count {
        _ = MQTTSessionLogCodec.decodeRecord(bytes, at: offset)
        offset += 1
    }
    return 0
}
