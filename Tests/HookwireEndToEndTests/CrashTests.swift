import Foundation
import HookwireClient
import HookwireTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Kills the real server with SIGKILL under publish load, restarts it on the
/// same data directory, and checks that nothing acknowledged was lost.
@Suite("Crash recovery", .serialized)
struct CrashTests {
  final class Acknowledged: Sendable {
    let events = Mutex<[(id: String, marker: Int)]>([])
    /// Set just before the server is killed: publishers stop at their next failure.
    let killed = Atomic<Bool>(false)
  }

  @Test("every acknowledged event is delivered at least once and logged, across a kill -9")
  func killDuringPublishing() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-crash-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let (partnerKey, serviceKey) = try await bootstrapAcme(dataDirectory: directory)
    let receiver = try TestReceiver()
    defer { receiver.stop() }
    try await withTeardown { teardown in
      let serverArguments = [
        "--allow-http-targets", "--allow-private-targets", "127.0.0.0/8", "--retry-delays", "0,100,200,400,800,1600,3200",
        "--key-cache-ttl", "0",
      ]

      var server = try await ServerProcess.start(arguments: serverArguments, dataDirectory: directory)
      // Stops whichever server runs when the test ends (SIGTERM; one already killed stays as it is).
      teardown.add { _ = await server.stop() }
      var client = try RPCClient(host: "127.0.0.1", port: server.port)
      teardown.add { await client.close() }
      let partner: Metadata = ["authorization": .string("Bearer \(partnerKey)")]
      let service: Metadata = ["authorization": .string("Bearer \(serviceKey)")]
      let webhook = try await Webhooks.Client(wrapping: client).createWebhook(
        CreateWebhookRequest(payloadURL: "http://127.0.0.1:\(receiver.port)/hooks", generateSecret: true, events: ["reward.issued"]),
        metadata: partner)
      let webhookID = webhook.webhook?.id ?? ""

      // Publish from 8 tasks until the server dies, keeping what was acknowledged.
      let acknowledged = Acknowledged()
      // A publish that fails before the kill (a deadline on a loaded
      // machine) is simply not acknowledged; after it, publishers stop.
      let events = Events.Client(wrapping: client)
      let publishers = (0..<8).map { worker in
        Task {
          for index in 0..<2_000 {
            let marker = worker * 10_000 + index
            do {
              let response = try await events.publishEvent(
                PublishEventRequest(buID: 1, eventType: "reward.issued", payloadJSON: #"{"marker":\#(marker)}"#),
                metadata: service, options: CallOptions(timeout: .seconds(5)))
              acknowledged.events.withLock { $0.append((response.event?.id ?? "", marker)) }
            } catch {
              if acknowledged.killed.load(ordering: .acquiring) { return }
            }
          }
        }
      }
      let loadStarted = ContinuousClock.now
      // 100 acknowledged events, some still being delivered at the kill; on
      // a loaded machine they may take a while, so the bound is generous.
      while acknowledged.events.withLock({ $0.count }) < 100 && ContinuousClock.now - loadStarted < .seconds(40) {
        try await Task.sleep(for: .milliseconds(10))
      }
      acknowledged.killed.store(true, ordering: .releasing)
      #expect(await server.stop(signal: SIGKILL) != 0, "the server should have died by SIGKILL")
      for publisher in publishers { await publisher.value }
      await client.close()
      let acked = acknowledged.events.withLock { $0 }
      #expect(acked.count >= 100)

      // Restart on the same data directory; due work resumes by itself.
      server = try await ServerProcess.start(arguments: serverArguments, dataDirectory: directory)
      client = try RPCClient(host: "127.0.0.1", port: server.port)
      let wanted = Set(acked.map(\.marker))
      func received() -> Set<Int> {
        var markers: Set<Int> = []
        for request in receiver.requests {
          let body = String(decoding: request.body, as: UTF8.self)
          if let range = body.range(of: #""marker":"#) {
            markers.insert(Int(body[range.upperBound...].prefix { $0.isNumber }) ?? -1)
          }
        }
        return markers
      }
      let deadline = ContinuousClock.now + .seconds(60)
      while !wanted.isSubset(of: received()) && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(50))
      }
      let missing = wanted.subtracting(received())
      #expect(missing.isEmpty, "\(missing.count) acknowledged events were never delivered; server log:\n\(server.log.suffix(3_000))")
      let deliveryIDs = Set(receiver.requests.compactMap { $0.headers["webhook-id"] })
      #expect(deliveryIDs.count >= acked.count, "fewer distinct webhook-ids than acknowledged events")

      let logs = EventLogs.Client(wrapping: client)
      var unlogged = 0
      for event in acked {
        let log = try? await logs.getEventLog(GetEventLogRequest(webhookID: webhookID, eventID: event.id), metadata: partner)
        if log?.entry == nil || log?.attempts.isEmpty == true { unlogged += 1 }
      }
      #expect(unlogged == 0, "\(unlogged) acknowledged events are missing from the logs")
      await client.close()
      #expect(await server.stop() == 0)
    }
  }
}
