import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real `hookwire-server` binary, started for a test on a free port.
final class ServerProcess {
  let process = Process()
  private let errors = Pipe()
  private(set) var log = ""
  private(set) var port = 0
  /// The server's data directory (its own temporary one unless given).
  let dataDirectory: URL
  private let ownsDataDirectory: Bool

  /// The directory holding the built executables (beside the test bundle).
  static var productsDirectory: URL {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if FileManager.default.fileExists(atPath: bundle.appendingPathComponent("hookwire-server").path) { return bundle }
    // `swift test` may run the bundle from inside a `.xctest` directory.
    return bundle.deletingLastPathComponent()
  }

  static func executable(_ name: String) -> URL { productsDirectory.appendingPathComponent(name) }

  /// Starts the server and waits (at most 20 s) for its "listening" line.
  init(arguments: [String] = [], dataDirectory: URL? = nil) throws {
    self.dataDirectory = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-e2e-\(UUID().uuidString)")
    ownsDataDirectory = dataDirectory == nil
    process.executableURL = Self.executable("hookwire-server")
    process.arguments = ["--listen", "127.0.0.1:0", "--loops", "2", "--data-dir", self.dataDirectory.path] + arguments
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(20)
    while port == 0 && Date() < deadline && process.isRunning {
      readLog()
      if let range = log.range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
        port = Int(log[range].split(separator: ":").last ?? "") ?? 0
      }
    }
    guard port != 0 else { throw ServerProcessError(log: log) }
  }

  /// Reads what the server has logged so far, waiting at most 100 ms.
  /// (Plain `read` and `poll`: FileHandle traps when a signal interrupts it.)
  private func readLog() {
    let fd = errors.fileHandleForReading.fileDescriptor
    var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard Glibc.poll(&poll, 1, 100) == 1 else { return }
    var buffer = [UInt8](repeating: 0, count: 4_096)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if count > 0 { log += String(decoding: buffer[0..<count], as: UTF8.self) }
  }

  /// Sends `signal` and waits for the process to exit; returns its status.
  /// A server that has not exited 15 s after the signal is killed, and
  /// reported with status -1.
  func stop(signal: Int32 = SIGTERM) -> Int32 {
    kill(process.processIdentifier, signal)
    let deadline = Date().addingTimeInterval(15)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      return -1
    }
    process.waitUntilExit()
    let fd = errors.fileHandleForReading.fileDescriptor
    var buffer = [UInt8](repeating: 0, count: 4_096)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count > 0 {
        log += String(decoding: buffer[0..<count], as: UTF8.self)
      } else if count < 0 && errno == EINTR {
        continue
      } else {
        break
      }
    }
    return process.terminationStatus
  }

  deinit { if ownsDataDirectory { try? FileManager.default.removeItem(at: dataDirectory) } }
}

struct ServerProcessError: Error, CustomStringConvertible {
  var log: String
  var description: String { "hookwire-server did not start; its log:\n\(log)" }
}

/// Runs the `hookwire` CLI and returns its exit status and output.
func runCLI(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
  try run("hookwire", arguments)
}

/// Runs `hookwire-server admin …` on a data directory and returns its
/// trimmed output; a non-zero exit is recorded as a test failure.
func runAdmin(_ arguments: [String], dataDirectory: URL) throws -> String {
  let result = try run("hookwire-server", ["admin"] + arguments + ["--data-dir", dataDirectory.path])
  #expect(result.status == 0, "admin \(arguments.first ?? "") failed: \(result.stderr)")
  return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Creates Europe (BU 1) with Acme (12345) on a new data directory, and
/// returns Acme's key and a service key that may publish.
func bootstrapAcme(dataDirectory: URL) throws -> (partnerKey: String, serviceKey: String) {
  _ = try runAdmin(["create-bu", "--name", "Europe"], dataDirectory: dataDirectory)
  _ = try runAdmin(["create-partner", "--name", "Acme", "--kind", "channel", "--bu", "1", "--id", "12345"], dataDirectory: dataDirectory)
  return (
    try runAdmin(["create-key", "--partner", "12345"], dataDirectory: dataDirectory),
    try runAdmin(["create-service-key", "--name", "rewards-engine"], dataDirectory: dataDirectory)
  )
}

/// Runs one of the built executables and returns its exit status and output.
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
  let process = Process()
  process.executableURL = ServerProcess.executable(executable)
  process.arguments = arguments
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let stdout = out.fileHandleForReading.readDataToEndOfFile()
  let stderr = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

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
/// Swift's cooperative pool: the process is waited for on a Dispatch
/// thread, and killed if it has not exited after `timeout` seconds. Output
/// still held open by a child of the process after it exits is given up
/// on after 5 s rather than awaited.
func runProcess(_ executable: String, _ arguments: [String], in directory: URL? = nil, timeout: TimeInterval = 20) async throws -> ProcessResult {
  let process = Process()
  process.executableURL = ServerProcess.executable(executable)
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = directory }
  process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HOOKWIRE_") }
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()
  let pid = process.processIdentifier
  // Once the process has exited and been reaped this does nothing.
  DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if process.isRunning { kill(pid, SIGKILL) } }
  return await withCheckedContinuation { continuation in
    DispatchQueue.global().async {
      // Both pipes are drained while the process runs so neither fills.
      let readers = DispatchGroup()
      let stdout = CollectedOutput()
      let stderr = CollectedOutput()
      for (pipe, sink) in [(out, stdout), (err, stderr)] {
        DispatchQueue.global().async(group: readers) {
          let data = pipe.fileHandleForReading.readDataToEndOfFile()
          sink.data.withLock { $0 = data }
        }
      }
      process.waitUntilExit()
      _ = readers.wait(timeout: .now() + 5)
      continuation.resume(
        returning: ProcessResult(status: process.terminationStatus, stdout: stdout.text, stderr: stderr.text))
    }
  }
}

/// One pipe's output, as read on its own thread.
private final class CollectedOutput: Sendable {
  let data = Mutex(Data())
  var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
}
