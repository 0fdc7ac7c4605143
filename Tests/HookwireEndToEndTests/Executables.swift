import Foundation
import HookwireTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What a finished executable left: its exit status and output.
struct ProcessResult: Sendable {
  var status: Int32
  var stdout: String
  var stderr: String

  /// The first line of standard error (where a usage error is named).
  var firstErrorLine: String { String(stderr.split(separator: "\n", omittingEmptySubsequences: false).first ?? "") }
}

/// Runs one of the built executables in `directory` (the test's own working
/// directory when nil) and awaits its end without holding a thread of
/// Swift's cooperative pool: its exit is reported by
/// `Process.terminationHandler`, its two pipes are drained on Dispatch
/// threads, and it is killed if it has not exited after `timeout` seconds.
/// The environment is the test's, without any `HOOKWIRE_` variable, plus
/// `environment`. Output still held open by a child of the process after it
/// exits is given up on after 5 s rather than awaited.
func runProcess(
  _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], timeout: TimeInterval = 20
) async throws -> ProcessResult {
  let process = Process()
  process.executableURL = ServerProcess.executable(executable)
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = directory }
  process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HOOKWIRE_") }.merging(environment) { $1 }
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  let termination = Outcome<Int32>()
  process.terminationHandler = { termination.resolve($0.terminationStatus) }
  try process.run()
  // Both pipes are drained while the process runs so neither fills.
  let stdout = drain(out.fileHandleForReading)
  let stderr = drain(err.fileHandleForReading)
  var status = await termination.value(within: .seconds(timeout))
  if status == nil {
    kill(process.processIdentifier, SIGKILL)
    status = await termination.value(within: .seconds(5))
  }
  let stdoutData = await stdout.value(within: .seconds(5)) ?? Data()
  let stderrData = await stderr.value(within: .seconds(5)) ?? Data()
  return ProcessResult(
    status: status ?? -1, stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self))
}

/// Reads `handle` to its end on a thread of its own (the blocking read is
/// there, never on the cooperative pool).
private func drain(_ handle: FileHandle) -> Outcome<Data> {
  let data = Outcome<Data>()
  // A thread of its own: a blocking read must not hold one of Dispatch's
  // few global-queue threads, which the server code under test also uses.
  Thread { data.resolve(DescriptorReading.toEnd(handle)) }.start()
  return data
}

/// Runs the `hookwire` CLI and returns its exit status and output.
func runCLI(_ arguments: [String]) async throws -> ProcessResult {
  try await runProcess("hookwire", arguments)
}

/// Runs `hookwire-server admin …` on a data directory and returns its
/// trimmed output; a non-zero exit is recorded as a test failure.
func runAdmin(_ arguments: [String], dataDirectory: URL) async throws -> String {
  let result = try await runProcess("hookwire-server", ["admin"] + arguments + ["--data-dir", dataDirectory.path])
  #expect(result.status == 0, "admin \(arguments.first ?? "") failed: \(result.stderr)")
  return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Runs `hookwire-server admin …` on the database at `database` (a
/// `postgres://` or `sqlite:` URL) and returns its trimmed output; a
/// non-zero exit is recorded as a test failure.
func runAdmin(_ arguments: [String], database: String) async throws -> String {
  let result = try await runProcess("hookwire-server", ["admin"] + arguments + ["--database", database])
  #expect(result.status == 0, "admin \(arguments.first ?? "") failed: \(result.stderr)")
  return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Creates Europe (BU 1) with Acme (12345) on a new data directory, and
/// returns Acme's key and a service key that may publish.
func bootstrapAcme(dataDirectory: URL) async throws -> (partnerKey: String, serviceKey: String) {
  _ = try await runAdmin(["create-bu", "--name", "Europe"], dataDirectory: dataDirectory)
  _ = try await runAdmin(["create-partner", "--name", "Acme", "--kind", "channel", "--bu", "1", "--id", "12345"], dataDirectory: dataDirectory)
  let partnerKey = try await runAdmin(["create-key", "--partner", "12345"], dataDirectory: dataDirectory)
  let serviceKey = try await runAdmin(["create-service-key", "--name", "rewards-engine"], dataDirectory: dataDirectory)
  return (partnerKey, serviceKey)
}
