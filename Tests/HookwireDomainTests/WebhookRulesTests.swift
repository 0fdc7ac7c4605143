@testable import HookwireDomain
import Testing

/// The validation rules of webhooks: URL, secret, events, description.
@Suite("Webhook rules")
struct WebhookRulesTests {
  @Test("payload URLs: absolute https (http only when allowed), a host, no credentials, a port of 1–65535, 2,048 bytes at most", arguments: [
    ("https://example.com/hooks", false, true),
    ("  https://example.com/hooks  ", false, true),
    ("HTTPS://example.com", false, true),
    ("http://example.com/hooks", false, false),
    ("http://example.com/hooks", true, true),
    ("ftp://example.com", true, false),
    ("", false, false),
    ("example.com/hooks", false, false),
    ("https://", false, false),
    ("https://user:pw@example.com", false, false),
    ("https://example.com:443/x", false, true),
    ("https://example.com:65535", false, true),
    ("https://example.com:0", false, false),
    ("https://example.com:65536", false, false),
    ("https://example.com:99999999999999999999999", false, false),
    ("https://[2001:db8::1]:8443/x", false, true),
    ("https://[2001:db8::1]/x", false, true),
    ("https://example.com/" + String(repeating: "a", count: 2_048), false, false),
  ])
  func payloadURL(url: String, allowHTTP: Bool, valid: Bool) {
    let result = Result { try WebhookRules.payloadURL(url, allowHTTP: allowHTTP) }
    switch result {
    case .success(let accepted): #expect(valid && accepted == url.trimmingCharacters(in: .whitespaces), "\(url)")
    case .failure(let error): #expect(!valid && (error as? DomainError)?.code == .invalid, "\(url): \(error)")
    }
  }

  @Test("secrets are whsec_ + base64 of 24–64 bytes, and a made secret decodes to its key", arguments: [
    (String(repeating: "A", count: 32), 24), (String(repeating: "A", count: 88), 66), (String(repeating: "A", count: 28), 21),
  ])
  func secretKeyLengths(base64: String, bytes: Int) {
    let valid = (24...64).contains(bytes)
    #expect((try? WebhookRules.secretKey("whsec_" + base64))?.count == (valid ? bytes : nil))
  }

  @Test("a secret without the prefix or with bad base64 is INVALID_ARGUMENT; secret(from:) round-trips")
  func secretFormat() throws {
    for bad in ["", "whsec_", "whsec_!!!!", String(repeating: "A", count: 32), "WHSEC_" + String(repeating: "A", count: 32)] {
      #expect(throws: DomainError.self, "\(bad)") { try WebhookRules.secretKey(bad) }
    }
    let key = [UInt8](0..<32)
    let secret = WebhookRules.secret(from: key)
    let decoded = try WebhookRules.secretKey(secret)
    #expect(secret.hasPrefix("whsec_") && decoded == key)
  }

  @Test("events: at least one, each in the catalogue, partner-only ones not for programme webhooks; folded and sorted")
  func events() throws {
    #expect(try WebhookRules.events([" reward.issued", "points.earned", "reward.issued "], for: .global) == ["points.earned", "reward.issued"])
    #expect(try WebhookRules.events(["invoice.issued"], for: .global) == ["invoice.issued"])
    let refused: [([String], Webhook.Kind)] = [([], .global), (["", " "], .global), (["reward.unknown"], .global), (["invoice.issued"], .programme)]
    for (names, kind) in refused {
      #expect("\(names) for \(kind)") { try WebhookRules.events(names, for: kind) } throws: { ($0 as? DomainError)?.code == .invalid }
    }
    for type in EventCatalogue.all { #expect(EventCatalogue.type(named: type.name) == type) }
    #expect(EventCatalogue.type(named: "REWARD.ISSUED") == nil)
  }

  @Test("descriptions hold at most 500 bytes, counted in UTF-8")
  func description() {
    #expect((try? WebhookRules.description(String(repeating: "a", count: 500))) != nil)
    #expect(throws: DomainError.self) { try WebhookRules.description(String(repeating: "a", count: 501)) }
    #expect(throws: DomainError.self) { try WebhookRules.description(String(repeating: "é", count: 251)) }
  }

  @Test("an error echoes at most 64 characters of the request, with an ellipsis")
  func echo() {
    #expect(DomainError.echo("short") == "short")
    #expect(DomainError.echo(String(repeating: "x", count: 65)) == String(repeating: "x", count: 64) + "…")
  }
}
