import Foundation
import HookwireDomain
import HookwireStore
import Testing

/// `hookwire-server admin create-service-identity`, `list-service-identities`
/// and `revoke-service-identity`, through the real binary on a data directory.
@Suite("Service identity admin commands", .serialized)
struct ServiceIdentityAdminTests {
  static func dataDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-identities-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
  }

  @Test("create prints the new id; list shows id, service, kind, canonical value and state; revoke by match or id marks it revoked; each change is audited as the operator")
  func lifecycle() async throws {
    let directory = try Self.dataDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let subject = try await runAdmin(["create-service-identity", "--name", "billing", "--subject", "cn = billing, o=Rewards"], dataDirectory: directory)
    let uri = try await runAdmin(["create-service-identity", "--name", "payouts", "--uri", "spiffe://rewards/payouts"], dataDirectory: directory)
    #expect(subject == "1" && uri == "2")
    #expect(try await runAdmin(["list-service-identities"], dataDirectory: directory).split(separator: "\n") == [
      "1\tbilling\tsubject\tCN=billing,O=Rewards\tactive", "2\tpayouts\turi\tspiffe://rewards/payouts\tactive",
    ])
    #expect(try await runAdmin(["revoke-service-identity", "--subject", "CN=billing,O=Rewards"], dataDirectory: directory).isEmpty)
    #expect(try await runAdmin(["revoke-service-identity", "--id", "2"], dataDirectory: directory).isEmpty)
    #expect(try await runAdmin(["create-service-identity", "--name", "billing", "--subject", "CN=billing,O=Rewards"], dataDirectory: directory) == "3")
    #expect(try await runAdmin(["list-service-identities"], dataDirectory: directory).split(separator: "\n").map { $0.split(separator: "\t").last } == [
      "revoked", "revoked", "active",
    ])
    // Each change is in the audit trail, made by the operating-system user that ran the command.
    let database = try Database(path: directory.appendingPathComponent("hookwire.sqlite").path, migrations: DatabaseMigrations.migrations)
    defer { database.close() }
    let events = try await SQLiteAuditStore(database: database).events(matching: AuditFilter(), pageSize: 100, pageToken: "").items
    #expect(events.reversed().map(\.action) == [
      .serviceIdentityCreated, .serviceIdentityCreated, .serviceIdentityRevoked, .serviceIdentityRevoked, .serviceIdentityCreated,
    ])
    #expect(events.reversed().map(\.targetID) == ["cert:1", "cert:2", "cert:1", "cert:2", "cert:3"])
    let user = NSUserName().isEmpty ? "operator" : String(NSUserName().prefix(64))
    #expect(events.allSatisfy { $0.actor == .admin(name: user) })
    #expect(events.last?.after == #"{"id":1,"service":"billing","subject":"CN=billing,O=Rewards","revoked":false}"#)
  }

  @Test("a second active identity for the same match, or revoking what is not there, exits 1 with the reason and changes nothing")
  func refusedByTheStore() async throws {
    let directory = try Self.dataDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    _ = try await runAdmin(["create-service-identity", "--name", "billing", "--uri", "spiffe://rewards/billing"], dataDirectory: directory)
    let cases: [([String], String)] = [
      (["create-service-identity", "--name", "other", "--uri", "spiffe://rewards/billing"], "already has uri spiffe://rewards/billing"),
      (["revoke-service-identity", "--uri", "spiffe://rewards/other"], "no active service identity has uri spiffe://rewards/other"),
      (["revoke-service-identity", "--id", "9"], "no service identity has id 9"),
    ]
    for (arguments, reason) in cases {
      let result = try await runProcess("hookwire-server", ["admin"] + arguments + ["--data-dir", directory.path])
      #expect(result.status == 1, "\(arguments): \(result.stderr)")
      #expect(result.stderr.contains(reason), "\(arguments): \(result.stderr)")
      #expect(result.stdout.isEmpty)
    }
    #expect(try await runAdmin(["list-service-identities"], dataDirectory: directory) == "1\tbilling\turi\tspiffe://rewards/billing\tactive")
  }
}
