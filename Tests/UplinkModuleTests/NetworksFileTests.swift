import Foundation
import Testing
import UplinkModule

@Suite("--networks file", .timeLimit(.minutes(1)))
struct NetworksFileTests {
    @Test("security names are read in any case; unknown ones are refused")
    func securityAnyCase() throws {
        let json = """
            [{"ssid": "a", "security": "wpa2"}, {"ssid": "b", "security": "Wpa"}, {"ssid": "c", "security": "wep"},
             {"ssid": "d", "security": "OPEN"}, {"ssid": "e", "security": "wpa  Wpa2"}, {"ssid": "f", "security": "WPA2"}]
            """
        let networks = try JSONDecoder().decode([WiFiNetwork].self, from: Data(json.utf8))
        #expect(networks.map(\.security) == [.wpa2, .wpa, .wep, .open, .wpaWPA2, .wpa2])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([WiFiNetwork].self, from: Data(#"[{"ssid": "x", "security": "WPA3"}]"#.utf8))
        }
        // Written back in the canonical spelling.
        let written = String(decoding: try JSONEncoder().encode(networks[0]), as: UTF8.self)
        #expect(written.contains(#""security":"WPA2""#), "\(written)")
    }
}
