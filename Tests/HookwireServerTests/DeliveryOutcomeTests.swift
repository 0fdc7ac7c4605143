import HookwireDelivery
import Foundation
import HookwireClient
import struct HookwireDomain.RetrySchedule

import HookwireServer
import HookwireTestSupport
import Testing

/// What the attempt log says about an endpoint's answer, whichever HTTP
/// client the sender uses: over the real delivery path to a receiver on
/// loopback.
@Suite("Delivery outcomes", .serialized)
struct DeliveryOutcomeTests {
  /// One attempt, no retries.
  static var once: TestDeployment.Delivery {
    var delivery = TestDeployment.Delivery()
    delivery.schedule = RetrySchedule(delays: [.zero], jitter: 0)
    return delivery
  }

  /// Challenges as endpoints send them: the shape of the answer around the 401 varies.
  static let challenges: [(String, TestReceiver.Response)] = [
    ("Basic, no body", .challenge()),
    ("Basic, with a body", .challenge(body: "who are you")),
    ("Bearer with an error", .challenge(#"Bearer realm="api", error="invalid_token""#)),
    ("two schemes", .challenge(#"Negotiate, Basic realm="x", charset="UTF-8""#)),
    ("two headers", .init(status: 401, headers: [("WWW-Authenticate", "Negotiate"), ("WWW-Authenticate", #"Basic realm="x""#)])),
    ("closing the connection", .init(status: 401, headers: [("WWW-Authenticate", #"Basic realm="x""#), ("Connection", "close")])),
    ("a scheme without a realm", .challenge("Basic")),
    ("an empty challenge", .init(status: 401, headers: [("WWW-Authenticate", "")])),
  ]

  @Test("a 401 with a challenge is logged as HTTP 401, also on a kept-alive connection, whatever the challenge and body", arguments: 0..<8)
  func challengeIsLoggedAs401(_ index: Int) async throws {
    try await withTeardown { teardown in
      let (name, challenge) = Self.challenges[index]
      // The first delivery opens the connection with a 200; the second is challenged on it.
      let setup = try await DeliveryTests.setup(delivery: Self.once) { _, index in index == 0 ? .init(status: 200, body: "ok") : challenge }
      teardown.add { await setup.stop() }
      let first = try await setup.publish().event?.id ?? ""
      _ = await setup.waitFor(first, .succeeded)
      let second = try await setup.publish().event?.id ?? ""
      let log = await setup.waitFor(second, .failed)
      let attempt = log?.attempts.first
      #expect(attempt?.httpStatus == 401, "\(name): logged \(attempt.map { String($0.httpStatus) } ?? "nothing") \(attempt?.error ?? "")")
      #expect(attempt?.error == "HTTP 401", "\(name): \(attempt?.error ?? "")")
      #expect(attempt?.responseExcerpt == challenge.body, "\(name)")
      #expect(setup.receiver.requests.count == 2, "\(name): the challenge was answered with another request")
    }
  }

  @Test("a connection reset is logged as a reset, promptly, not as a timeout, on a new or a kept-alive connection", arguments: [false, true])
  func resetIsLoggedAsReset(keptAlive: Bool) async throws {
    try await withTeardown { teardown in
      var delivery = Self.once
      delivery.timeout = .seconds(5)
      let setup = try await DeliveryTests.setup(delivery: delivery) { _, index in
        keptAlive && index == 0 ? .init(status: 200, body: "ok") : .connectionReset
      }
      teardown.add { await setup.stop() }
      if keptAlive {
        let first = try await setup.publish().event?.id ?? ""
        _ = await setup.waitFor(first, .succeeded)
      }
      let eventID = try await setup.publish().event?.id ?? ""
      let log = await setup.waitFor(eventID, .failed)
      let attempt = log?.attempts.first
      #expect(attempt?.httpStatus == 0)
      #expect(attempt?.error.contains("connection reset") == true, "logged \(attempt?.error ?? "nothing")")
      #expect(attempt?.error.contains("timed out") == false)
      #expect((attempt?.latencyMs ?? .max) < 1_500, "the reset was noticed after \(attempt?.latencyMs ?? 0) ms of a 5 s timeout")
      #expect(setup.receiver.requests.count == (keptAlive ? 2 : 1))
    }
  }

  @Test("an IPv6-literal URL delivers when its address is allowed")
  func ipv6LiteralDelivers() async throws {
    try await withTeardown { teardown in
      var delivery = Self.once
      delivery.allowList = "127.0.0.0/8,::1/128"
      let setup = try await DeliveryTests.setup(delivery: delivery, address: .ipv6Loopback)
      teardown.add { await setup.stop() }
      let eventID = try await setup.publish().event?.id ?? ""
      let log = await setup.waitForAttempt(eventID)
      let attempt = log?.attempts.first
      #expect(attempt?.httpStatus == 200, "logged \(attempt.map { String($0.httpStatus) } ?? "nothing") \(attempt?.error ?? "")")
      #expect(setup.receiver.requests.first?.path == "/hooks")
      #expect(setup.receiver.requests.first?.headers["host"] == "[::1]:\(setup.receiver.port)", "the host header carries the bracketed literal")
    }
  }

  @Test("a Retry-After given as an HTTP date is waited for, as one given in seconds is")
  func retryAfterAsDate() async throws {
    try await withTeardown { teardown in
      let formatter = DateFormatter()
      formatter.locale = Locale(identifier: "en_US_POSIX")
      formatter.timeZone = TimeZone(identifier: "UTC")
      formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
      let setup = try await DeliveryTests.setup { _, index in
        // Two seconds ahead, to the second: the wait is between 1 and 2 s.
        index == 0 ? .init(status: 503, headers: [("Retry-After", formatter.string(from: Date().addingTimeInterval(2)))]) : .init(status: 200)
      }
      teardown.add { await setup.stop() }
      let eventID = try await setup.publish().event?.id ?? ""
      let log = await setup.waitFor(eventID, .succeeded)
      let attempts = log?.attempts ?? []
      #expect(attempts.count == 2)
      if attempts.count == 2 {
        // The schedule alone would retry after 50 ms.
        #expect(attempts[1].attemptedAtMs - attempts[0].attemptedAtMs >= 900, "the Retry-After date was not waited for")
      }
    }
  }
}
