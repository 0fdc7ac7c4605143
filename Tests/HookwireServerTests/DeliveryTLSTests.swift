import Foundation
import HookwireClient
import HookwireDelivery
import struct HookwireDomain.RetrySchedule
import HookwireTestSupport
import Testing

/// Deliveries to https URLs through the whole application: a receiver whose
/// certificate a test CA issued, trusted through the sender's CA file as
/// `--delivery-ca-file` does; and a certificate that does not verify,
/// logged as a failed attempt that says why.
@Suite("Deliveries over TLS")
struct DeliveryTLSTests {
  static func setup(trustedCA: Bool, certificate: (TestCertificateAuthority) throws -> TestCertificateAuthority.Issued) async throws
    -> (DeliveryTests.Setup, TemporaryDirectory)
  {
    let directory = try TemporaryDirectory(prefix: "hookwire-delivery-tls")
    let authority = try TestCertificateAuthority(directory: directory.path)
    let other = try TestCertificateAuthority(directory: directory.path, name: "Unrelated CA")
    let issued = try certificate(authority)
    let receiver = try TestReceiver(tls: TestReceiver.TLS(certificateFile: issued.certificateFile, keyFile: issued.keyFile))
    var delivery = TestDeployment.Delivery()
    delivery.schedule = RetrySchedule(delays: [.zero], jitter: 0)
    delivery.sender = try ClientSender(loops: 1, caFile: trustedCA ? authority.certificateFile : other.certificateFile)
    let deployment = try await TestDeployment(delivery: delivery)
    let rpc = try deployment.client()
    let created = try await Webhooks.Client(wrapping: rpc).createWebhook(
      CreateWebhookRequest(payloadURL: receiver.url("/hooks"), generateSecret: true, events: ["reward.issued"]),
      metadata: deployment.metadata(12345))
    let setup = DeliveryTests.Setup(deployment: deployment, rpc: rpc, receiver: receiver, webhookID: created.webhook?.id ?? "", secret: created.secret)
    return (setup, directory)
  }

  @Test("a delivery to an https URL succeeds when the endpoint's certificate verifies through the CA file")
  func deliversOverTLS() async throws {
    try await withTeardown { teardown in
      let (setup, directory) = try await Self.setup(trustedCA: true) { try $0.issue() }
      teardown.add { directory.remove() }
      teardown.add { await setup.stop() }
      #expect(setup.receiver.scheme == "https")
      let eventID = try await setup.publish().event?.id ?? ""
      let log = await setup.waitFor(eventID, .succeeded)
      #expect(log?.attempts.first?.httpStatus == 200, "\(log?.attempts.first?.error ?? "no attempt")")
      #expect(setup.receiver.requests.first?.headers["webhook-id"] == log?.entry?.deliveryID)
    }
  }

  @Test(
    "a certificate that does not verify is a failed attempt whose error says why, and nothing is sent",
    arguments: ["expired", "wrong host", "unknown authority"])
  func unverifiedCertificateFails(_ failure: String) async throws {
    try await withTeardown { teardown in
      let (setup, directory) = try await Self.setup(trustedCA: failure != "unknown authority") { authority in
        switch failure {
        case "expired": try authority.issue(notBefore: Date() - 7_200, notAfter: Date() - 3_600)
        case "wrong host": try authority.issue(names: ["elsewhere.example"], ipAddresses: ["10.1.2.3"])
        default: try authority.issue()
        }
      }
      teardown.add { directory.remove() }
      teardown.add { await setup.stop() }
      let eventID = try await setup.publish().event?.id ?? ""
      let log = await setup.waitFor(eventID, .failed)
      let error = log?.attempts.first?.error ?? ""
      let expected = ["expired": "expired", "wrong host": "not valid for", "unknown authority": "unknown authority"][failure] ?? "?"
      #expect(error.contains(expected), "logged \(error)")
      #expect(log?.attempts.first?.httpStatus == 0)
      #expect(setup.receiver.requests.isEmpty, "a request went out over an unverified connection")
    }
  }
}
