import Foundation
import HookwireTestSupport
import Testing

/// Publishing and reading logs with the real CLI against the real server,
/// delivering to a receiver on loopback; `hookwire verify` checks what arrived.
@Suite("Delivery CLI", .serialized)
struct DeliveryCLITests {
  @Test("events publish, logs list/get/search/redeliver and verify work end to end")
  func publishAndInspect() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-dcli-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let (partnerKey, serviceKey) = try await bootstrapAcme(dataDirectory: directory)
    let receiver = try TestReceiver()
    defer { receiver.stop() }
    try await withServer(
      arguments: ["--allow-http-targets", "--allow-private-targets", "127.0.0.0/8", "--key-cache-ttl", "0"], dataDirectory: directory
    ) { server in
      let address = ["--server", "127.0.0.1:\(server.port)"]
      let partner = address + ["--api-key", partnerKey]
      let created = try await runCLI(partner + ["--json", "webhooks", "create", "--url", "http://127.0.0.1:\(receiver.port)/in", "--generate-secret", "--events", "reward.issued"])
      let secret = try #require(created.stdout.range(of: #"whsec_[A-Za-z0-9+/=]+"#, options: .regularExpression).map { String(created.stdout[$0]) })
      let webhookID = try #require(created.stdout.range(of: #"wh_[a-z2-7]+"#, options: .regularExpression).map { String(created.stdout[$0]) })

      let published = try await runCLI(address + ["--api-key", serviceKey, "events", "publish", "--bu", "1", "--type", "reward.issued", "--data", #"{"points":10}"#])
      #expect(published.status == 0)
      let eventID = String(published.stdout.prefix { $0 != "\t" })
      #expect(eventID.hasPrefix("evt_"))
      let refused = try await runCLI(partner + ["events", "publish", "--bu", "1", "--type", "reward.issued", "--data", "{}"])
      #expect(refused.status == 17, "a partner key cannot publish (PERMISSION_DENIED)")

      let end = Date().addingTimeInterval(10)
      while receiver.requests.isEmpty && Date() < end { try await Task.sleep(for: .milliseconds(20)) }
      let delivery = try #require(receiver.requests.first)
      let bodyFile = directory.appendingPathComponent("body.json")
      try Data(delivery.body).write(to: bodyFile)
      let verified = try await runCLI([
        "verify", "--secret", secret, "--id", delivery.headers["webhook-id"] ?? "", "--timestamp", delivery.headers["webhook-timestamp"] ?? "",
        "--signature", delivery.headers["webhook-signature"] ?? "", "--body-file", bodyFile.path,
      ])
      #expect(verified.status == 0 && verified.stdout == "valid\n")
      let forged = try await runCLI([
        "verify", "--secret", secret, "--id", delivery.headers["webhook-id"] ?? "", "--timestamp", delivery.headers["webhook-timestamp"] ?? "",
        "--signature", delivery.headers["webhook-signature"] ?? "", "--body", "{}",
      ])
      #expect(forged.status == 1)

      var listed = try await runCLI(partner + ["logs", "list", webhookID])
      while !listed.stdout.contains("succeeded") && Date() < end {
        try await Task.sleep(for: .milliseconds(20))
        listed = try await runCLI(partner + ["logs", "list", webhookID])
      }
      #expect(listed.stdout.contains(eventID) && listed.stdout.contains("succeeded"))
      let got = try await runCLI(partner + ["logs", "get", webhookID, eventID])
      #expect(got.stdout.contains(#"payload: {"points":10}"#) && got.stdout.contains("\t#1\tscheduled\tok\t200\t"))
      let searched = try await runCLI(partner + ["--json", "logs", "search", eventID])
      #expect(searched.stdout.contains(webhookID))
      let redelivered = try await runCLI(partner + ["logs", "redeliver", webhookID, eventID])
      #expect(redelivered.status == 0)
      while receiver.requests.count < 2 && Date() < end { try await Task.sleep(for: .milliseconds(20)) }
      #expect(receiver.requests.count == 2)
      #expect(await server.stop() == 0)
    }
  }
}
