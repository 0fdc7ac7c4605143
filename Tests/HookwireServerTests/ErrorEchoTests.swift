import Foundation
import HookwireClient
import HookwireServer
import HookwireTestSupport
import Testing

/// Errors name what was wrong with a request, but echo at most a bounded
/// part of it: a 100,000-byte value must not come back as a 100 KB status.
@Suite("Error echo", .serialized)
struct ErrorEchoTests {
  static let huge = String(repeating: "w", count: 100_000)

  @Test("an error echoes at most a bounded part of a 100,000-byte webhook id, event type, service name or act-as value")
  func errorsEchoBoundedInput() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let client = try deployment.client()
      teardown.add { await client.close() }
      let acme = deployment.metadata(12345)
      let badActAs = deployment.metadata(12345, actAs: nil).adding(Metadata.actAsKey, String(repeating: "x", count: 4_000))
      let calls: [(String, @Sendable () async throws -> Void)] = [
        ("webhooks get", { _ = try await Webhooks.Client(wrapping: client).getWebhook(GetWebhookRequest(webhookID: Self.huge), metadata: acme) }),
        ("webhooks create", {
          _ = try await Webhooks.Client(wrapping: client).createWebhook(
            CreateWebhookRequest(payloadURL: "https://example.com/h", generateSecret: true, events: [Self.huge]), metadata: acme)
        }),
        ("health check", { _ = try await Health.Client(wrapping: client).check(HealthCheckRequest(service: Self.huge)) }),
        ("act-as", { _ = try await Partners.Client(wrapping: client).whoAmI(WhoAmIRequest(), metadata: badActAs) }),
      ]
      for (name, call) in calls {
        do {
          try await call()
          Issue.record("\(name) succeeded")
        } catch let error as RPCError {
          #expect([.notFound, .invalidArgument].contains(error.code), "\(name): \(error.code)")
          #expect(error.message.utf8.count < 300, "\(name): the status message has \(error.message.utf8.count) bytes")
        }
      }
      // The connection survives every one of them.
      #expect(try await Health.Client(wrapping: client).check(HealthCheckRequest()).status == .serving)
    }
  }
}

extension Metadata {
  func adding(_ key: String, _ value: String) -> Metadata {
    var copy = self
    copy.add(key, value)
    return copy
  }
}
