import Foundation
import HookwirePostgres
import HookwireTestSupport
import Testing

/// One PostgreSQL database as an operator sets it up for several
/// `hookwire-server` processes: the secret key file they all share (made
/// before any server starts), Europe (BU 1) with Acme (12345), Acme's key
/// and a service key that may publish, bootstrapped with `hookwire-server
/// admin … --database`; and the test's own connection to the database, for
/// what only the database can say (schema versions, delivery states).
final class PostgresDeployment: Sendable {
  /// The database's `postgres://` URL.
  let databaseURL: String
  /// The file every server on the database is given as `--secret-key-file`.
  let secretKeyFile: String
  /// Acme's API key.
  let partnerKey: String
  /// A service key (`rewards-engine`) that may publish.
  let serviceKey: String
  private let directory: TemporaryDirectory
  private let database: PostgresDatabase

  /// The arguments every server of these tests takes: deliveries to a
  /// loopback receiver over plain HTTP, retries after 0.1 s, 0.2 s, ….
  static let deliveryArguments = [
    "--allow-http-targets", "--allow-private-targets", "127.0.0.0/8", "--retry-delays", "0,100,200,400,800,1600,3200",
  ]

  private init(databaseURL: String, partnerKey: String, serviceKey: String, directory: TemporaryDirectory) throws {
    self.databaseURL = databaseURL
    self.partnerKey = partnerKey
    self.serviceKey = serviceKey
    self.directory = directory
    secretKeyFile = Self.keyFile(in: directory)
    database = PostgresDatabase(url: try PostgresURL(parsing: databaseURL), writers: 1, readers: 1)
  }

  /// Writes a secret key file, then bootstraps Acme on `databaseURL` (a
  /// fresh database, `makeDatabase()`, when nil). Call `remove()`
  /// when done.
  static func make(databaseURL: String? = nil) async throws -> PostgresDeployment {
    let url: String
    if let databaseURL { url = databaseURL } else { url = try await makeDatabase() }
    let directory = try TemporaryDirectory(prefix: "hookwire-pg-e2e")
    do {
      try writeSecretKey(to: keyFile(in: directory))
      _ = try await runAdmin(["create-bu", "--name", "Europe"], database: url)
      _ = try await runAdmin(["create-partner", "--name", "Acme", "--kind", "channel", "--bu", "1", "--id", "12345"], database: url)
      async let partnerKey = runAdmin(["create-key", "--partner", "12345"], database: url)
      async let serviceKey = runAdmin(["create-service-key", "--name", "rewards-engine"], database: url)
      let keys = try await (partner: partnerKey, service: serviceKey)
      guard keys.partner.hasPrefix("hwk_"), keys.service.hasPrefix("hwk_") else {
        throw PostgresDeploymentError("the admin commands printed no keys: '\(keys.partner)', '\(keys.service)'")
      }
      return try PostgresDeployment(databaseURL: url, partnerKey: keys.partner, serviceKey: keys.service, directory: directory)
    } catch {
      directory.remove()
      throw error
    }
  }

  /// The PostgreSQL server these tests share, apart from the one the store
  /// tests share: the connections of their many servers (seven each) and
  /// admin commands then neither crowd that one nor wait behind it.
  private static let server = Task { try await PostgresTestServer.start() }

  /// A fresh, empty database on the tests' server.
  static func makeDatabase() async throws -> String {
    try await server.value.makeDatabase()
  }

  /// Writes a secret key file for servers on `databaseURL`, and leaves the
  /// database as it is (empty, for a test of the servers' first start): no
  /// keys. Call `remove()` when done.
  static func bare(databaseURL: String) async throws -> PostgresDeployment {
    let directory = try TemporaryDirectory(prefix: "hookwire-pg-e2e")
    do {
      try writeSecretKey(to: keyFile(in: directory))
      return try PostgresDeployment(databaseURL: databaseURL, partnerKey: "", serviceKey: "", directory: directory)
    } catch {
      directory.remove()
      throw error
    }
  }

  /// Writes 32 random bytes to `path`, readable by its owner only.
  static func writeSecretKey(to path: String) throws {
    var generator = SystemRandomNumberGenerator()
    let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    guard FileManager.default.createFile(atPath: path, contents: Data(key), attributes: [.posixPermissions: 0o600]) else {
      throw PostgresDeploymentError("cannot write the secret key file")
    }
  }

  private static func keyFile(in directory: TemporaryDirectory) -> String { directory.file("secret.key") }

  /// A path in the deployment's own temporary directory.
  func file(_ name: String) -> String { directory.file(name) }

  /// The command line of one server on the database: named `node`, holding
  /// the deliveries it claims for `lease` seconds.
  func serverArguments(node: String, lease: Int = 30, _ extra: [String] = []) -> [String] {
    ["--database", databaseURL, "--secret-key-file", secretKeyFile, "--node-name", node, "--delivery-lease", String(lease)]
      + Self.deliveryArguments + extra
  }

  /// Starts a server on the database and waits for its listening line.
  func startServer(node: String, lease: Int = 30, _ extra: [String] = []) async throws -> ServerProcess {
    try await ServerProcess.start(arguments: serverArguments(node: node, lease: lease, extra))
  }

  /// Starts servers named `nodes` at once and waits for every one's
  /// listening line; when one does not come up, the others are killed and
  /// its log is thrown.
  func startServers(_ nodes: [String], lease: Int = 30, _ extra: [String] = []) async throws -> [ServerProcess] {
    try await withThrowingTaskGroup(of: (Int, StartedServer).self) { group in
      for (index, node) in nodes.enumerated() {
        let arguments = serverArguments(node: node, lease: lease, extra)
        group.addTask { (index, StartedServer(try await ServerProcess.start(arguments: arguments))) }
      }
      var servers: [ServerProcess?] = Array(repeating: nil, count: nodes.count)
      for try await (index, started) in group { servers[index] = started.server }
      return servers.compactMap { $0 }
    }
  }

  /// Takes the lock every server's delivery claims take (on the test's
  /// one writer connection, for its session), so claims wait from now on.
  func holdClaimLock() async throws {
    try await database.withConnection { connection in
      try connection.query("SELECT pg_advisory_lock($1)", .integer(PostgresEventStore.claimLock))
    }
  }

  /// Lets the claim lock `holdClaimLock` took go.
  func releaseClaimLock() async throws {
    try await database.withConnection { connection in
      try connection.query("SELECT pg_advisory_unlock($1)", .integer(PostgresEventStore.claimLock))
    }
  }

  /// The texts (or NULLs) `sql` selects, row by row (cast columns to `text`).
  func texts(_ sql: String) async throws -> [[String?]] {
    try await database.read { connection in
      let rows = try connection.query(sql)
      return try rows.map { row in try (0..<rows.columns.count).map { try row.optionalText($0) } }
    }
  }

  /// The integers (or NULLs) `sql` selects, row by row, read on the test's
  /// own connection.
  func integers(_ sql: String) async throws -> [[Int64?]] {
    try await database.read { connection in
      let rows = try connection.query(sql)
      return try rows.map { row in try (0..<rows.columns.count).map { try row.optionalInt($0) } }
    }
  }

  /// The one integer `sql` selects (0 for NULL).
  func integer(_ sql: String) async throws -> Int64 {
    try await integers(sql).first?.first.flatMap { $0 } ?? 0
  }

  /// Closes the test's connection and deletes the key file's directory.
  func remove() async {
    await database.close()
    directory.remove()
  }

  /// Checks `condition` every `interval` until it holds or `timeout`
  /// passes; returns whether it held. A condition that throws counts as
  /// not holding yet.
  static func waitUntil(
    within timeout: Duration, every interval: Duration = .milliseconds(20), _ condition: () async throws -> Bool
  ) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
      if (try? await condition()) == true { return true }
      guard ContinuousClock.now < deadline else { return false }
      try? await Task.sleep(for: interval)
    }
  }
}

/// Why a deployment could not be set up.
struct PostgresDeploymentError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// A server started in a task of a group, handed to the test.
private final class StartedServer: @unchecked Sendable {
  // Unchecked: the task that started the server hands it over and never
  // touches it again; from then on only the test's task uses it.
  let server: ServerProcess
  init(_ server: ServerProcess) { self.server = server }
}
