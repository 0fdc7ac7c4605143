import Foundation
import HookwirePostgres
import HookwireStore

/// A database of its own that a benchmark creates on a PostgreSQL server
/// (`CREATE DATABASE hookwire_bench_<random>`, through a connection to the
/// URL's database) so every run starts from an empty schema, and drops at
/// its end (`WITH (FORCE)`: child servers killed a moment ago may still
/// hold sessions).
final class ScratchDatabase: Sendable {
  /// The scratch database's name.
  let name: String
  /// The URL of the scratch database (the given one with its name).
  let url: PostgresURL
  /// The connection to the URL's own database that created it and drops it.
  private let admin: PostgresDatabase

  private init(name: String, url: PostgresURL, admin: PostgresDatabase) {
    self.name = name
    self.url = url
    self.admin = admin
  }

  /// Creates a fresh database named `prefix` and a random suffix on the
  /// server of `server`; an unreachable server or a refused `CREATE
  /// DATABASE` is a ``BenchFailure`` saying so.
  static func create(on server: PostgresURL, prefix: String) async throws(BenchFailure) -> ScratchDatabase {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    let name = prefix + "_" + String((0..<10).map { _ in alphabet.randomElement() ?? "x" })
    let admin = PostgresDatabase(url: server, writers: 1, readers: 1)
    do {
      // The name is made of [a-z0-9_] above, so it needs no quoting.
      try await admin.withConnection { try $0.execute("CREATE DATABASE \(name)") }
    } catch {
      await admin.close()
      throw BenchFailure("cannot create a scratch database on \(server): \(Self.describe(error))")
    }
    var url = server
    url.database = name
    return ScratchDatabase(name: name, url: url, admin: admin)
  }

  /// Drops the scratch database and closes the connection; a failure is
  /// returned (the run's figures stand) rather than thrown.
  func drop() async -> String? {
    var failure: String?
    do {
      try await admin.withConnection { [name] in try $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    } catch {
      failure = Self.describe(error)
    }
    await admin.close()
    return failure
  }

  /// The server's durability settings, `fsync` and `synchronous_commit`.
  func durability() async -> (fsync: String, synchronousCommit: String) {
    let values = try? await admin.withConnection { connection in
      (try connection.query("SHOW fsync").first?.text(0) ?? "?", try connection.query("SHOW synchronous_commit").first?.text(0) ?? "?")
    }
    return values ?? ("?", "?")
  }

  /// The server's version number (`SHOW server_version` up to its first space).
  func serverVersion() async -> String {
    let version = try? await admin.withConnection { try $0.query("SHOW server_version").first?.text(0) }
    return version?.split(separator: " ").first.map(String.init) ?? "?"
  }

  /// The process ids of the server's sessions and background processes
  /// (`pg_stat_activity`), but the one asking; readable in `/proc` only
  /// when the server runs on this machine.
  func serverProcesses() async -> [Int32] {
    let pids = try? await admin.withConnection { connection in
      try connection.query("SELECT pid::bigint FROM pg_stat_activity WHERE pid <> pg_backend_pid()").map { Int32(try $0.int(0)) }
    }
    return pids ?? []
  }

  private static func describe(_ error: any Error) -> String {
    (error as? StoreError)?.message ?? "\(error)"
  }
}
