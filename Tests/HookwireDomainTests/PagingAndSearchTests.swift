import Foundation
@testable import HookwireDomain
import Testing

/// Page sizes and tokens, the partner-search query language, and the retry schedule.
@Suite("Paging, search queries and retries")
struct PagingAndSearchTests {
  @Test("page sizes are 1–100, 0 meaning 20; negative or larger is INVALID_ARGUMENT", arguments: [
    (0, 20), (1, 1), (100, 100), (-1, nil), (101, nil),
  ] as [(Int, Int?)])
  func pageSize(requested: Int, size: Int?) {
    #expect((try? Paging.size(requested)) == size)
  }

  @Test("a page token carries its value back; an empty one starts; any other text is INVALID_ARGUMENT")
  func pageTokens() throws {
    for value in ["", "wh_1", "1000|dlv_x", "ünï\u{1F}cödé"] { #expect(try Paging.value(fromToken: Paging.token(after: value)) == value) }
    #expect(try Paging.value(fromToken: "") == nil)
    for forged in ["garbage", "AAAA", Data("p2\u{1F}x".utf8).base64EncodedString(), Data("p1x".utf8).base64EncodedString()] {
      #expect("\(forged)") { try Paging.value(fromToken: forged) } throws: { ($0 as? DomainError)?.code == .invalid }
    }
  }

  @Test("a search query of digits is an id; anything else is its words; empty, over-long or too wordy is INVALID_ARGUMENT", arguments: [
    ("12345", PartnerSearch.Query.id(12345)),
    (" 42 ", .id(42)),
    ("Acme Rewards", .words(["acme", "rewards"])),
    ("acme-rewards, ltd.", .words(["acme", "rewards", "ltd"])),
    ("Café 9", .words(["café", "9"])),
    ("١٢٣", .words(["١٢٣"])),
  ])
  func parse(text: String, query: PartnerSearch.Query) throws {
    #expect(try PartnerSearch.parse(text) == query)
  }

  @Test("queries refused before any work", arguments: ["", "   ", "--", "99999999999999999999", String(repeating: "a", count: 201), "a b c d e f g h i"])
  func parseRefused(text: String) {
    #expect { try PartnerSearch.parse(text) } throws: { ($0 as? DomainError)?.code == .invalid }
  }

  @Test("search keys rank by matched word, then name, then id; tokens round-trip; forged ones are INVALID_ARGUMENT")
  func searchKeys() throws {
    let exact = try #require(PartnerSearch.key(name: "Blue Acme", id: 2, tokens: ["acme"]))
    let longer = try #require(PartnerSearch.key(name: "Acmeco", id: 1, tokens: ["acme"]))
    #expect(exact.word == "acme" && exact < longer)
    #expect(PartnerSearch.key(name: "Acme Rewards", id: 3, tokens: ["acme", "zzz"]) == nil)
    #expect(try PartnerSearch.key(fromToken: PartnerSearch.token(after: longer)) == longer)
    #expect(try PartnerSearch.key(fromToken: "") == nil)
    for forged in ["zz", Paging.token(after: "x"), Data("s1\u{1F}a\u{1F}b\u{1F}notanumber".utf8).base64EncodedString()] {
      #expect(throws: DomainError.self, "\(forged)") { try PartnerSearch.key(fromToken: forged) }
    }
  }

  @Test("the standard retry schedule is eight attempts, the first at once, each later delay within its jitter")
  func retrySchedule() {
    let schedule = RetrySchedule.standard
    #expect(schedule.attempts == 8)
    #expect(schedule.delay(beforeAttempt: 1) == .zero)
    #expect(schedule.delay(beforeAttempt: 0) == nil && schedule.delay(beforeAttempt: 9) == nil)
    for (number, base) in schedule.delays.enumerated() where base > .zero {
      for _ in 0..<20 {
        let delay = schedule.delay(beforeAttempt: number + 1) ?? .zero
        #expect(delay >= base * 0.8 && delay <= base * 1.2, "attempt \(number + 1)")
      }
    }
    let exact = RetrySchedule(delays: [.seconds(1), .seconds(2)], jitter: 0)
    #expect(exact.delay(beforeAttempt: 2) == .seconds(2))
  }
}
