import Foundation
import HookwirePostgres

extension BenchDatabase {
  /// What one run's child servers are handed: the database, with its
  /// arguments and environment, and for PostgreSQL the scratch database
  /// made for the run, to drop at its end.
  struct Run {
    /// The benchmark's name, which starts its lines.
    let benchmark: String
    /// The database the child servers open.
    let database: BenchDatabase
    /// The scratch database on the PostgreSQL server, if any.
    let scratch: ScratchDatabase?

    /// `--database …` for a child server.
    var arguments: [String] { database.childArguments.arguments }

    /// The environment for the run's child servers: the password, if
    /// any, and one fresh secret key shared by all of them.
    let environment: [String: String]

    /// Drops the scratch database, if any, and says so in a line.
    func finish() async {
      guard let scratch else { return }
      if let failure = await scratch.drop() {
        print("\(benchmark) database=postgres scratch_database=\(scratch.name) action=drop_failed error=\"\(failure)\"")
      } else {
        print("\(benchmark) database=postgres scratch_database=\(scratch.name) action=dropped")
      }
    }
  }

  /// Makes what one run of `benchmark` needs: for PostgreSQL a fresh
  /// database on the server (`CREATE DATABASE hookwire_bench_…`), with a
  /// line that says so and what the server promises about durability.
  func prepareRun(_ benchmark: String) async throws(BenchFailure) -> Run {
    var environment = [Self.secretKeyVariable: Self.freshSecretKey()]
    guard case .postgres(let url) = self else {
      return Run(benchmark: benchmark, database: self, scratch: nil, environment: environment)
    }
    let scratch = try await ScratchDatabase.create(on: url, prefix: "hookwire_bench")
    let database = BenchDatabase.postgres(scratch.url)
    environment.merge(database.childArguments.environment) { $1 }
    let durability = await scratch.durability()
    print(
      "\(benchmark) database=postgres scratch_database=\(scratch.name) action=created server=\(url.host):\(url.port)"
        + " server_version=\(await scratch.serverVersion()) fsync=\(durability.fsync) synchronous_commit=\(durability.synchronousCommit)")
    return Run(benchmark: benchmark, database: database, scratch: scratch, environment: environment)
  }
}
