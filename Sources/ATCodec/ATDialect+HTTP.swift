extension ATDialect {
    /// What the module prints between the last byte of an HTTPGET/HTTPPOST response and its OK line: nothing on
    /// SPWF01 (its OK line starts with CR LF); on SPWF04 CR LF, three SUB bytes (0x1A), CR LF, and an empty line, as
    /// GHI's SPWF04 driver reads it (`<CR><LF><SUB><SUB><SUB><CR><LF><CR><LF>` then `AT-S.OK`).
    public var httpResponseTrailer: [UInt8] {
        switch family {
        case .spwf01: return []
        case .spwf04: return [0x0D, 0x0A, 0x1A, 0x1A, 0x1A, 0x0D, 0x0A, 0x0D, 0x0A]
        }
    }
}
