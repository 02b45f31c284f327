import NotificationsService
import XCTest

final class HMACSHA256Tests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    func testRFC4231TestCase2() {
        let mac = HMACSHA256.authenticationCode(key: "Jefe", data: "what do ya want for nothing?")
        XCTAssertEqual(hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    func testRFC4231TestCase1() {
        let mac = HMACSHA256.authenticationCode(key: [UInt8](repeating: 0x0b, count: 20), data: Array("Hi There".utf8))
        XCTAssertEqual(hex(mac), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    func testEmptyKeyAndData() {
        let mac = HMACSHA256.authenticationCode(key: "", data: "")
        XCTAssertEqual(hex(mac), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}
