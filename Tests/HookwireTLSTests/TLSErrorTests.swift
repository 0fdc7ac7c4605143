import HookwireTLS
import Testing

struct TLSErrorTests {
  @Test func describesItselfByItsReason() {
    #expect(TLSError("certificate expired").description == "certificate expired")
  }
}
