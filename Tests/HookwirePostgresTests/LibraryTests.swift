import HookwirePostgres
import Testing

@Suite("PostgreSQL client library")
struct LibraryTests {
  @Test("libpq is linked and reports a version of 10 or later")
  func linked() {
    #expect(libpqVersion() >= 100_000)
  }
}
