import Foundation
import HookwirePostgres
import HookwireTestSupport

/// `hookwire-bench pgbench --database URL`: PostgreSQL's own benchmark
/// against the same server, in the same sitting as the Hookwire runs, so
/// their figures can be read against what the server does alone. It makes
/// a scratch database (`hookwire_pgbench_…`), fills it (`pgbench -i -s
/// SCALE`), runs the TPC-B-like script (`pgbench -c CLIENTS -j THREADS -T
/// SECONDS`), prints `pgbench … tps=N`, and drops the database.
enum PgbenchCommand {
  static func run(_ options: BenchOptions) async {
    guard let text = options.string("database") else {
      BenchFailure("pgbench needs --database postgres://user@host:port/database (a server where it may create a scratch database)").exit()
    }
    let database: BenchDatabase
    do {
      database = try BenchDatabase(text)
    } catch {
      error.exit()
    }
    guard case .postgres(let server) = database else { BenchFailure("pgbench runs against PostgreSQL: --database postgres://…").exit() }
    guard let program = locate() else { BenchFailure("pgbench was not found on PATH nor under /usr/lib/postgresql/*/bin").exit() }
    let (clients, threads) = (options.int("clients", default: 8), options.int("threads", default: 2))
    let (seconds, scale) = (options.int("duration", default: 10), options.int("scale", default: 1))
    let scratch: ScratchDatabase
    do {
      scratch = try await ScratchDatabase.create(on: server, prefix: "hookwire_pgbench")
    } catch {
      error.exit()
    }
    let durability = await scratch.durability()
    print(
      "pgbench database=postgres scratch_database=\(scratch.name) action=created server=\(server.host):\(server.port)"
        + " server_version=\(await scratch.serverVersion()) fsync=\(durability.fsync) synchronous_commit=\(durability.synchronousCommit)")
    var failure: String?
    do {
      let connection = ["-h", server.host, "-p", String(server.port), "-U", server.user]
      try await runPgbench(program, "initialising", ["-i", "-q", "-s", String(scale)] + connection + [scratch.name], url: server)
      let output = try await runPgbench(
        program, "running", ["-c", String(clients), "-j", String(threads), "-T", String(seconds)] + connection + [scratch.name], url: server)
      let tps = value(after: "tps = ", in: output) ?? "?"
      let latency = value(after: "latency average = ", in: output) ?? "?"
      let transactions = value(after: "number of transactions actually processed: ", in: output) ?? "?"
      print(
        "pgbench database=postgres scale=\(scale) clients=\(clients) threads=\(threads) duration_s=\(seconds) transactions=\(transactions)"
          + " latency_avg_ms=\(latency) tps=\(tps)")
    } catch {
      failure = error.description
    }
    if let problem = await scratch.drop() {
      print("pgbench database=postgres scratch_database=\(scratch.name) action=drop_failed error=\"\(problem)\"")
    } else {
      print("pgbench database=postgres scratch_database=\(scratch.name) action=dropped")
    }
    if let failure { BenchFailure(failure).exit() }
  }

  /// `pgbench` of the newest PostgreSQL under its Debian directory (the
  /// program itself, not Debian's wrapper), else the one on `PATH`.
  private static func locate() -> String? {
    let files = FileManager.default
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/pgbench" }
    let versions = ((try? files.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap { name in Double(name).map { (name, $0) } }
    let installed = versions.sorted { $0.1 > $1.1 }.map { "/usr/lib/postgresql/\($0.0)/bin/pgbench" }
    return (installed + path).first { files.isExecutableFile(atPath: $0) }
  }

  /// The word after `marker` in `output` (`tps = 1234.5 (without …)` gives `1234.5`).
  private static func value(after marker: String, in output: String) -> String? {
    guard let range = output.range(of: marker) else { return nil }
    return output[range.upperBound...].split(whereSeparator: { $0 == " " || $0.isNewline }).first.map(String.init)
  }

  /// Runs pgbench to its end (`ExternalProgram`), the password and TLS
  /// mode in its environment; returns what it printed, or throws with its
  /// last lines. `phase` names the step in an error.
  @discardableResult
  private static func runPgbench(_ program: String, _ phase: String, _ arguments: [String], url: PostgresURL) async throws(BenchFailure) -> String {
    guard let directory = try? TemporaryDirectory(prefix: "hookwire-pgbench") else { throw BenchFailure("cannot make a temporary directory") }
    defer { directory.remove() }
    let outputPath = directory.file("output")
    var environment = ProcessInfo.processInfo.environment
    if let password = url.password { environment[BenchDatabase.passwordVariable] = password }
    if let mode = url.sslMode { environment["PGSSLMODE"] = mode.rawValue }
    environment["PGCONNECT_TIMEOUT"] = String(url.connectTimeout ?? 5)
    let status = try await ExternalProgram.run(program, arguments, environment: environment, outputPath: outputPath)
    let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    guard status == 0 else {
      let tail = text.split(whereSeparator: \.isNewline).suffix(2).joined(separator: " ")
      throw BenchFailure("pgbench (\(phase)) exited with \(status): \(tail)")
    }
    return text
  }
}
