import Foundation
import HookwireClient
import HookwireDelivery
import HookwireHTTP
import struct HookwireDomain.RetrySchedule
import HookwirePosix
import HookwireTestSupport
import Synchronization
import Testing

/// The delivery edge over real sockets, through the whole application: the
/// target guard's one resolution per attempt against a scripted resolver
/// (DNS rebinding, mixed answers, names that do not resolve), and the
/// client's kept-alive connections under the engine's concurrency. A
/// `ClientSender` hears every address a socket is opened to. Endpoints sit
/// on 127.0.0.1 and 127.0.0.2 — Linux's loopback answers on the whole
/// 127.0.0.0/8 — sharing one port, so a payload URL naming that port can
/// reach either and the tests see which one it did.
///
/// (401 challenges and resets, as the log records them, are in
/// `DeliveryOutcomeTests`.)
@Suite("Delivery edge", .serialized)
struct DeliveryEdgeTests {
  /// A resolver whose answers the test scripts: the nth lookup gets the nth
  /// answer, the last one repeating.
  final class ScriptedResolver: NameResolving {
    private let answers: [Result<[PeerAddress], ResolutionError>]
    private let names = Mutex<[String]>([])

    init(_ answers: [[String]]) {
      self.answers = answers.map { .success($0.compactMap(PeerAddress.init)) }
    }

    /// Every name looked up, in order.
    var lookups: [String] { names.withLock { $0 } }

    func resolve(_ host: String) async -> Result<[PeerAddress], ResolutionError> {
      let number = names.withLock { names in
        names.append(host)
        return names.count
      }
      return answers[min(number, answers.count) - 1]
    }
  }

  /// Every `address:port` a delivery socket was opened to (or any other line noted).
  final class ConnectLog: Sendable {
    private let lines = Mutex<[String]>([])
    var connected: [String] { lines.withLock { $0 } }
    func append(_ address: PeerAddress, _ port: Int) { note("\(address):\(port)") }
    func note(_ line: String) { lines.withLock { $0.append(line) } }
  }

  /// A deployment delivering with its own `ClientSender` to one webhook at `url`.
  struct Edge {
    let deployment: TestDeployment
    let rpc: RPCClient
    let webhookID: String
    let connects: ConnectLog

    var acme: Metadata { deployment.metadata(12345) }

    static func start(
      url: String, resolver: (any NameResolving)?, allowList: String = "127.0.0.0/8",
      schedule: RetrySchedule = RetrySchedule(delays: [.zero, .milliseconds(50), .milliseconds(100)], jitter: 0),
      configuration: HTTPClient.Configuration = HTTPClient.Configuration()
    ) async throws -> Edge {
      let connects = ConnectLog()
      var delivery = TestDeployment.Delivery()
      delivery.allowList = allowList
      delivery.schedule = schedule
      delivery.resolver = resolver
      delivery.sender = try ClientSender(loops: 1, configuration: configuration) { connects.append($0, $1) }
      let deployment = try await TestDeployment(delivery: delivery)
      let rpc = try deployment.client()
      let created = try await Webhooks.Client(wrapping: rpc).createWebhook(
        CreateWebhookRequest(payloadURL: url, generateSecret: true, events: ["reward.issued"]), metadata: deployment.metadata(12345))
      return Edge(deployment: deployment, rpc: rpc, webhookID: created.webhook?.id ?? "", connects: connects)
    }

    /// Publishes `count` events in one batch; their ids.
    func publish(_ count: Int = 1) async throws -> [String] {
      let batch = PublishEventsRequest(
        events: (0..<count).map { PublishEventRequest(buID: 1, eventType: "reward.issued", payloadJSON: #"{"n":\#($0)}"#) })
      let published = try await Events.Client(wrapping: rpc).publishEvents(batch, metadata: deployment.serviceMetadata)
      return published.results.compactMap { $0.event?.id }
    }

    func log(_ eventID: String) async throws -> GetEventLogResponse {
      try await EventLogs.Client(wrapping: rpc).getEventLog(GetEventLogRequest(webhookID: webhookID, eventID: eventID), metadata: acme)
    }

    /// Waits until the event's delivery reaches `status` (at most 30 s).
    func waitFor(_ eventID: String, _ status: DeliveryStatus) async -> GetEventLogResponse? {
      let end = ContinuousClock.now + .seconds(30)
      while ContinuousClock.now < end {
        if let log = try? await self.log(eventID), log.entry?.status == status { return log }
        try? await Task.sleep(for: .milliseconds(20))
      }
      return try? await self.log(eventID)
    }

    func stop() async {
      await rpc.close()
      await deployment.stop()
    }
  }

  /// A receiver on 127.0.0.1 and a counting endpoint on 127.0.0.2 at the same
  /// port (another port is taken when that one is busy on 127.0.0.2).
  static func receiverAndTwin(twin script: @escaping ScriptedReceiver.Script) throws -> (TestReceiver, ScriptedReceiver) {
    for _ in 0..<20 {
      let receiver = try TestReceiver()
      if let twin = try? ScriptedReceiver(address: "127.0.0.2", port: receiver.port, script: script) { return (receiver, twin) }
      receiver.stop()
    }
    throw RPCError(code: .unavailable, message: "no port free on both 127.0.0.1 and 127.0.0.2")
  }

  static let answer200 = ScriptedReceiver.keepAlive { _ in ScriptedReceiver.response(status: 200, body: "twin") }

  @Test("DNS rebinding: a name that resolved to an allowed address and then to a refused one is never connected to the refused one")
  func rebindingToARefusedAddress() async throws {
    let (receiver, twin) = try Self.receiverAndTwin(twin: Self.answer200)
    defer {
      receiver.stop()
      twin.stop()
    }
    let port = receiver.port
    let resolver = ScriptedResolver([["127.0.0.1"], ["127.0.0.2"]])
    let edge = try await Edge.start(url: "http://rebind.test:\(port)/hooks", resolver: resolver, allowList: "127.0.0.1/32")
    let first = try await edge.publish()[0]
    #expect(await edge.waitFor(first, .succeeded)?.attempts.first?.httpStatus == 200)
    // The name now points inside the network; the connection to 127.0.0.1 is still kept alive.
    let second = try await edge.publish()[0]
    let log = await edge.waitFor(second, .failed)
    let attempts = log?.attempts ?? []
    #expect(attempts.count == 3)
    for attempt in attempts {
      #expect(attempt.httpStatus == 0 && !attempt.succeeded)
      #expect(attempt.error.hasPrefix("refused: rebind.test resolves to 127.0.0.2"), "logged \(attempt.error)")
    }
    #expect(edge.connects.connected == ["127.0.0.1:\(port)"], "sockets went to \(edge.connects.connected)")
    #expect(twin.accepted == 0, "the refused address was connected to")
    #expect(receiver.requests.count == 1, "a refused attempt went over the kept connection")
    #expect(resolver.lookups == Array(repeating: "rebind.test", count: 4), "each attempt resolves the name once: \(resolver.lookups)")
    await edge.stop()
  }

  @Test("a name that moves to another allowed address is delivered there on a new connection, never over the one kept to the old address")
  func rebindingToAnotherAllowedAddress() async throws {
    let (receiver, twin) = try Self.receiverAndTwin(twin: Self.answer200)
    defer {
      receiver.stop()
      twin.stop()
    }
    let port = receiver.port
    let resolver = ScriptedResolver([["127.0.0.1"], ["127.0.0.2"]])
    let edge = try await Edge.start(url: "http://moving.test:\(port)/hooks", resolver: resolver)
    let first = try await edge.publish()[0]
    #expect(await edge.waitFor(first, .succeeded)?.attempts.first?.responseExcerpt == "ok")
    let second = try await edge.publish()[0]
    #expect(await edge.waitFor(second, .succeeded)?.attempts.first?.responseExcerpt == "twin")
    #expect(edge.connects.connected == ["127.0.0.1:\(port)", "127.0.0.2:\(port)"])
    #expect(receiver.requests.count == 1 && twin.requests.count == 1)
    #expect(twin.requests.first?.headers["host"] == "moving.test:\(port)")
    await edge.stop()
  }

  @Test("a name resolving to one allowed and one refused address is refused whole, in either order, and no socket is opened", arguments: [
    ["127.0.0.1", "127.0.0.2"], ["127.0.0.2", "127.0.0.1"],
  ])
  func mixedAnswerIsRefused(_ addresses: [String]) async throws {
    let (receiver, twin) = try Self.receiverAndTwin(twin: Self.answer200)
    defer {
      receiver.stop()
      twin.stop()
    }
    let resolver = ScriptedResolver([addresses])
    let edge = try await Edge.start(
      url: "http://mixed.test:\(receiver.port)/hooks", resolver: resolver, allowList: "127.0.0.1/32",
      schedule: RetrySchedule(delays: [.zero], jitter: 0))
    let eventID = try await edge.publish()[0]
    let attempt = await edge.waitFor(eventID, .failed)?.attempts.first
    #expect(attempt?.error.hasPrefix("refused: mixed.test resolves to 127.0.0.2") == true, "logged \(attempt?.error ?? "nothing")")
    #expect(edge.connects.connected.isEmpty, "sockets went to \(edge.connects.connected)")
    #expect(receiver.requests.isEmpty && twin.accepted == 0)
    await edge.stop()
  }

  @Test("a host that does not resolve is a failed attempt with a one-line reason, looked up and retried on the schedule", arguments: [
    ResolutionError.Kind.notFound, .temporary,
  ])
  func unresolvableHostIsRetriedOnSchedule(_ kind: ResolutionError.Kind) async throws {
    let reason = kind == .notFound ? "cannot resolve nowhere.test: no such host" : "cannot resolve nowhere.test: Temporary failure in name resolution"
    let lookups = ConnectLog()
    // The real resolver, failing: failures are not cached, so each attempt looks the name up.
    let resolver = HostResolver(threads: 1) { name in
      lookups.note(name)
      return .failure(ResolutionError(kind, reason))
    }
    defer { resolver.shutdown() }
    let edge = try await Edge.start(url: "http://nowhere.test:9/hooks", resolver: resolver)
    let eventID = try await edge.publish()[0]
    let attempts = await edge.waitFor(eventID, .failed)?.attempts ?? []
    #expect(attempts.count == 3)
    #expect(attempts.allSatisfy { $0.error == reason && $0.httpStatus == 0 && !$0.succeeded }, "\(attempts.map(\.error))")
    if attempts.count == 3 {
      #expect(attempts[1].attemptedAtMs - attempts[0].attemptedAtMs >= 50, "the second attempt came before its delay")
      #expect(attempts[2].attemptedAtMs - attempts[1].attemptedAtMs >= 100, "the third attempt came before its delay")
    }
    #expect(lookups.connected == ["nowhere.test", "nowhere.test", "nowhere.test"])
    #expect(edge.connects.connected.isEmpty)
    await edge.stop()
  }

  @Test("stopping while attempts to a silent endpoint are in flight drains within the attempt timeout: nothing waits on a loop that is gone")
  func stopDrainsAttemptsInFlight() async throws {
    let silent = try ScriptedReceiver(script: ScriptedReceiver.silent)
    defer { silent.stop() }
    var delivery = TestDeployment.Delivery()
    delivery.timeout = .seconds(1)
    let deployment = try await TestDeployment(delivery: delivery)
    let rpc = try deployment.client()
    _ = try await Webhooks.Client(wrapping: rpc).createWebhook(
      CreateWebhookRequest(payloadURL: "http://127.0.0.1:\(silent.port)/never", generateSecret: true, events: ["reward.issued"]),
      metadata: deployment.metadata(12345))
    let batch = PublishEventsRequest(events: (0..<4).map { _ in PublishEventRequest(buID: 1, eventType: "reward.issued", payloadJSON: "{}") })
    _ = try await Events.Client(wrapping: rpc).publishEvents(batch, metadata: deployment.serviceMetadata)
    let end = ContinuousClock.now + .seconds(30)
    while silent.openConnections < 4 && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(10)) }
    #expect(silent.openConnections == 4, "the attempts never reached the endpoint")
    await rpc.close()
    let stopped = ConnectLog()
    let stopping = ContinuousClock.now
    Task {
      await deployment.stop()
      stopped.note("stopped")
    }
    while stopped.connected.isEmpty && ContinuousClock.now - stopping < .seconds(30) { try await Task.sleep(for: .milliseconds(10)) }
    let took = ContinuousClock.now - stopping
    #expect(!stopped.connected.isEmpty, "the deployment never finished stopping")
    #expect(took < .seconds(10), "stopping took \(took) with a 1 s attempt timeout")
  }

  @Test("deliveries to one endpoint share kept-alive connections, never more than the per-endpoint cap, under the engine's concurrency")
  func deliveriesShareConnectionsUpToTheCap() async throws {
    let endpoint = try ScriptedReceiver(script: ScriptedReceiver.keepAlive { _ in ScriptedReceiver.response(status: 200, body: "ok") })
    defer { endpoint.stop() }
    var configuration = HTTPClient.Configuration()
    // Below the engine's four attempts at once per webhook, so the cap is what holds.
    configuration.maxConnectionsPerHost = 2
    let edge = try await Edge.start(url: "http://127.0.0.1:\(endpoint.port)/hooks", resolver: nil, configuration: configuration)
    let eventIDs = try await edge.publish(40)
    for eventID in eventIDs {
      #expect(await edge.waitFor(eventID, .succeeded)?.attempts.count == 1, "\(eventID)")
    }
    #expect(endpoint.requests.count == 40)
    #expect(endpoint.accepted <= 2 && endpoint.mostOpenConnections <= 2, "40 deliveries took \(endpoint.accepted) connections")
    #expect(edge.connects.connected.count == endpoint.accepted)
    await edge.stop()
  }
}
