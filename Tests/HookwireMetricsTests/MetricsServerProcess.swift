import Foundation
import HookwireTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real `hookwire-server` binary with `--metrics-listen 127.0.0.1:0`,
/// for tests that scrape it: its RPC port and its metrics port are read from
/// its log lines ("listening on …", "serving metrics on http://…/metrics").
///
/// Nothing here holds a thread of Swift's cooperative pool: pipes are read
/// on threads of their own, exits are reported by termination handlers.
final class MetricsServerProcess: Sendable {
  let process: Process
  let rpcPort: Int
  let metricsPort: Int
  let directory: URL
  private let log = LogBuffer()
  private let exit = ExitWatch()

  /// What the server has logged so far.
  var logText: String { log.text }

  /// The directory holding the built executables (beside the test bundle).
  static var productsDirectory: URL {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if FileManager.default.fileExists(atPath: bundle.appendingPathComponent("hookwire-server").path) { return bundle }
    return bundle.deletingLastPathComponent()
  }

  /// Bootstraps a business unit, a channel partner (with a key) and a
  /// publishing service (with a key) in a new data directory, then starts a
  /// server on it with metrics; waits at most 20 s for both ports.
  static func start(arguments: [String] = []) async throws -> (server: MetricsServerProcess, partnerKey: String, serviceKey: String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-metrics-\(UUID().uuidString)")
    _ = try await run("hookwire-server", ["admin", "create-bu", "--name", "Europe", "--data-dir", directory.path])
    _ = try await run(
      "hookwire-server", ["admin", "create-partner", "--name", "Acme", "--kind", "channel", "--bu", "1", "--id", "12345", "--data-dir", directory.path])
    let partnerKey = try await run("hookwire-server", ["admin", "create-key", "--partner", "12345", "--data-dir", directory.path])
    let serviceKey = try await run("hookwire-server", ["admin", "create-service-key", "--name", "rewards-engine", "--data-dir", directory.path])
    let server = try await MetricsServerProcess(directory: directory, arguments: arguments)
    return (server, partnerKey, serviceKey)
  }

  private init(directory: URL, arguments: [String]) async throws {
    self.directory = directory
    let process = Process()
    process.executableURL = Self.productsDirectory.appendingPathComponent("hookwire-server")
    process.arguments = ["--listen", "127.0.0.1:0", "--loops", "2", "--data-dir", directory.path, "--metrics-listen", "127.0.0.1:0"] + arguments
    process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HOOKWIRE_") }
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    let exit = self.exit
    process.terminationHandler = { exit.ended($0.terminationStatus) }
    try process.run()
    let handle = errors.fileHandleForReading
    Thread { [log] in
      while case let chunk = DescriptorReading.chunk(handle), !chunk.isEmpty {
        log.append(String(decoding: chunk, as: UTF8.self))
      }
    }.start()
    self.process = process
    var ports: (Int, Int)?
    let end = ContinuousClock.now + .seconds(20)
    while ports == nil, ContinuousClock.now < end, exit.code == nil {
      let text = log.text
      if let rpc = Self.port(after: "listening on 127.0.0.1:", in: text), let metrics = Self.port(after: "serving metrics on http://127.0.0.1:", in: text) {
        ports = (rpc, metrics)
      } else {
        try await Task.sleep(for: .milliseconds(20))
      }
    }
    guard let ports else {
      kill(process.processIdentifier, SIGKILL)
      throw RawConnectionError("hookwire-server did not start; its log:\n\(log.text)")
    }
    (rpcPort, metricsPort) = ports
  }

  static func port(after prefix: String, in text: String) -> Int? {
    guard let range = text.range(of: prefix) else { return nil }
    return Int(text[range.upperBound...].prefix { $0.isNumber })
  }

  /// `GET /metrics` on a new connection: the body of a 200, or nil.
  func scrape() async throws -> String? {
    let connection = try await RawConnection.open(port: metricsPort)
    try await connection.send("GET /metrics HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
    guard let response = await connection.response(), response.status == 200 else { return nil }
    #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
    return response.body
  }

  /// SIGTERM, then the exit status (SIGKILL after 15 s); removes the data directory.
  func stop() async -> Int32 {
    defer { try? FileManager.default.removeItem(at: directory) }
    if let code = exit.code { return code }
    kill(process.processIdentifier, SIGTERM)
    let killer = Task { [process] in
      try await Task.sleep(for: .seconds(15))
      kill(process.processIdentifier, SIGKILL)
    }
    defer { killer.cancel() }
    return await exit.status()
  }

  /// Runs one of the built executables to its end (at most 20 s); its
  /// standard output, trimmed. A failure is recorded with its standard error.
  static func run(_ executable: String, _ arguments: [String], input: String? = nil) async throws -> String {
    let result = try await runProcess(productsDirectory.appendingPathComponent(executable), arguments, input: input)
    #expect(result.status == 0, "\(executable) \(arguments.prefix(2).joined(separator: " ")) failed: \(result.stderr)")
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Runs `executable` with `arguments` and `input` on standard input; its status and output.
  static func runProcess(_ executable: URL, _ arguments: [String], input: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HOOKWIRE_") }
    let out = Pipe()
    let err = Pipe()
    let stdin = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    let exit = ExitWatch()
    process.terminationHandler = { exit.ended($0.terminationStatus) }
    try process.run()
    if let input {
      let data = Data(input.utf8)
      Thread {
        stdin.fileHandleForWriting.write(data)
        try? stdin.fileHandleForWriting.close()
      }.start()
    }
    async let stdoutText = RawConnection.blocking { String(decoding: DescriptorReading.toEnd(out.fileHandleForReading), as: UTF8.self) }
    async let stderrText = RawConnection.blocking { String(decoding: DescriptorReading.toEnd(err.fileHandleForReading), as: UTF8.self) }
    let killer = Task { [process] in
      try await Task.sleep(for: .seconds(20))
      kill(process.processIdentifier, SIGKILL)
    }
    defer { killer.cancel() }
    let status = await exit.status()
    return (status, try await stdoutText, try await stderrText)
  }
}

/// A process's exit status, awaited without holding a thread.
final class ExitWatch: Sendable {
  private let state = Mutex<(code: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))

  /// The status, if the process has exited.
  var code: Int32? { state.withLock { $0.code } }

  /// Records the exit and wakes the waiters.
  func ended(_ code: Int32) {
    let waiters = state.withLock { state -> [CheckedContinuation<Int32, Never>] in
      state.code = code
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume(returning: code) }
  }

  /// The status once the process has exited.
  func status() async -> Int32 {
    await withCheckedContinuation { continuation in
      let known = state.withLock { state -> Int32? in
        if let code = state.code { return code }
        state.waiters.append(continuation)
        return nil
      }
      if let known { continuation.resume(returning: known) }
    }
  }
}

/// Text gathered from a pipe by one thread and read by others.
final class LogBuffer: Sendable {
  private let state = Mutex("")
  /// Everything so far.
  var text: String { state.withLock { $0 } }
  /// Adds `chunk`.
  func append(_ chunk: String) { state.withLock { $0 += chunk } }
}
