import HookwireDelivery
import Foundation
import HookwireClient
import HookwireServer
import HookwireTestSupport
import Testing

/// The SSRF guard on every address family and IPv6 transition range, and
/// the payload URL's port rule at create, over the real server.
@Suite("Target guard")
struct TargetGuardTests {
  /// URL, whether it is refused with loopback (127.0.0.0/8) allowed, and
  /// the embedded IPv4 address the refusal must name (if any).
  static let cases: [(url: String, refused: Bool, embeds: String?)] = [
    // IPv4.
    ("http://127.0.0.1/", false, nil),
    ("http://10.1.2.3/", true, nil),
    ("http://169.254.169.254/", true, nil),
    ("http://0.0.0.0/", true, nil),
    ("http://8.8.8.8/", false, nil),
    // IPv6 loopback and unspecified: not covered by an IPv4 allow-list.
    ("http://[::1]/", true, nil),
    ("http://[::]/", true, nil),
    // IPv4-compatible ::/96 (deprecated), public or not.
    ("http://[::127.0.0.1]/", true, "127.0.0.1"),
    ("http://[::7f00:1]/", true, "127.0.0.1"),
    ("http://[::8.8.8.8]/", true, "8.8.8.8"),
    // IPv4-mapped ::ffff:0:0/96.
    ("http://[::ffff:127.0.0.1]/", true, "127.0.0.1"),
    ("http://[::ffff:10.0.0.1]/", true, "10.0.0.1"),
    ("http://[::ffff:8.8.8.8]/", true, "8.8.8.8"),
    // Well-known NAT64 64:ff9b::/96 and local-use NAT64 64:ff9b:1::/48.
    ("http://[64:ff9b::7f00:1]/", true, "127.0.0.1"),
    ("http://[64:ff9b::a9fe:a9fe]/", true, "169.254.169.254"),
    ("http://[64:ff9b::808:808]/", true, "8.8.8.8"),
    ("http://[64:ff9b:1::7f00:1]/", true, nil),
    ("http://[64:ff9b:1:ffff::1]/", true, nil),
    // 6to4 2002::/16, whatever IPv4 it embeds.
    ("http://[2002:7f00:1::]/", true, "127.0.0.1"),
    ("http://[2002:a00:1::1]/", true, "10.0.0.1"),
    ("http://[2002:808:808::1]/", true, "8.8.8.8"),
    // Teredo 2001::/32 (its addresses are obfuscated; it tunnels).
    ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", true, nil),
    ("http://[2001::1]/", true, nil),
    // Other reserved IPv6 ranges.
    ("http://[2001:db8::1]/", true, nil),
    ("http://[fc00::1]/", true, nil),
    ("http://[fe80::1]/", true, nil),
    ("http://[ff02::1]/", true, nil),
    ("http://[100::1]/", true, nil),
    // Public IPv6, including neighbours of the refused ranges.
    ("http://[2001:4860:4860::8888]/", false, nil),
    ("http://[2001:1::1]/", false, nil),
    ("http://[2003::1]/", false, nil),
    ("http://[64:ff9b:2::1]/", false, nil),
  ]

  @Test("every IPv6 transition range that reaches an IPv4 address or a tunnel is refused, and the refusal names the embedded IPv4")
  func transitionRanges() async throws {
    let guarded = TargetGuard(allowed: TargetGuard.allowList("127.0.0.0/8") ?? [])
    for (text, refused, embeds) in Self.cases {
      let url = try #require(URL(string: text), "\(text) does not parse")
      let refusal = await guarded.refusal(for: url)
      #expect((refusal != nil) == refused, "\(text): \(refusal ?? "allowed")")
      if let embeds {
        #expect(refusal?.contains("embedding \(embeds)") == true, "\(text): \(refusal ?? "allowed")")
      }
    }
  }

  @Test("an explicit allow-list entry lets an IPv6 range through; an IPv4 entry does not open its IPv6 embeddings")
  func explicitAllowList() async throws {
    let guarded = TargetGuard(allowed: TargetGuard.allowList("127.0.0.0/8, ::1/128, 2002:7f00:1::/48") ?? [])
    for (text, refused) in [
      ("http://[::1]:8080/", false), ("http://[2002:7f00:1::5]/", false), ("http://[2002:7f00:2::5]/", true),
      ("http://[::127.0.0.1]/", true), ("http://[::ffff:127.0.0.1]/", true), ("http://[64:ff9b::7f00:1]/", true),
    ] {
      let url = try #require(URL(string: text))
      let refusal = await guarded.refusal(for: url)
      #expect((refusal != nil) == refused, "\(text): \(refusal ?? "allowed")")
    }
  }

  @Test("an allow-list entry that is empty, a bare slash or a bad prefix is refused, never a crash", arguments: [
    "", "/", "/8", "127.0.0.1/", "127.0.0.1/+8", "127.0.0.1/33", "127.0.0.1/-1", "::1/129", "127.0.0.1/8/8", "localhost", " , ",
  ])
  func badAllowListEntries(_ text: String) {
    #expect(TargetGuard.CIDR(text) == nil)
    let list = TargetGuard.allowList(text)
    #expect(list == nil || list?.isEmpty == true, "\(text) allowed \(list?.count ?? 0) ranges")
  }

  @Test("well-formed allow-list entries parse", arguments: ["127.0.0.0/8", "10.0.0.1", "::1", "fc00::/7", "0.0.0.0/0"])
  func goodAllowListEntries(_ text: String) {
    #expect(TargetGuard.CIDR(text) != nil)
  }

  @Test("a payload URL's port must be 1–65535: 0, 65536 and 99999 are refused at create")
  func ports() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment(allowHTTPTargets: true)
      teardown.add { await deployment.stop() }
      let rpc = try deployment.client()
      teardown.add { await rpc.close() }
      let webhooks = Webhooks.Client(wrapping: rpc)
      let acme = deployment.metadata(12345)
      let cases: [(String, StatusCode)] = [
        ("http://127.0.0.1:0/h", .invalidArgument), ("http://127.0.0.1:65536/h", .invalidArgument),
        ("http://127.0.0.1:99999/h", .invalidArgument), ("https://hooks.example.com:0/h", .invalidArgument),
        ("https://[::1]:70000/h", .invalidArgument), ("http://127.0.0.1:99999999999999999999/h", .invalidArgument),
        ("http://127.0.0.1:1/h", .ok), ("http://127.0.0.1:65535/h", .ok), ("https://hooks.example.com/h", .ok),
        ("https://hooks.example.com:443/h", .ok),
      ]
      for (url, expected) in cases {
        let status = await code {
          _ = try await webhooks.createWebhook(
            CreateWebhookRequest(payloadURL: url, generateSecret: true, events: ["reward.issued"]), metadata: acme)
        }
        #expect(status == expected, "\(url): got \(status?.name ?? "nothing")")
      }
      let stored = try await webhooks.listWebhooks(ListWebhooksRequest(), metadata: acme).globalWebhooks.map(\.payloadURL)
      #expect(stored.count == 4, "\(stored)")
    }
  }
}
