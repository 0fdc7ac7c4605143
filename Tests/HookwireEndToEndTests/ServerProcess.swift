import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real `hookwire-server` binary, started for a test on a free port.
///
/// Nothing here holds a thread of Swift's cooperative pool: the server's
/// standard error is read on a thread of its own (`ServerOutput`), its exit
/// is reported by `Process.terminationHandler`, and both are awaited as
/// `Outcome`s.
final class ServerProcess {
  let process = Process()
  private(set) var port = 0
  /// The server's data directory (its own temporary one unless given);
  /// unused by a server whose arguments name a `--database`.
  let dataDirectory: URL
  private let ownsDataDirectory: Bool
  private let output = ServerOutput()
  private let termination = Outcome<Int32>()

  /// What the server has logged so far.
  var log: String { output.text }

  /// The directory holding the built executables (beside the test bundle).
  static var productsDirectory: URL {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if FileManager.default.fileExists(atPath: bundle.appendingPathComponent("hookwire-server").path) { return bundle }
    // `swift test` may run the bundle from inside a `.xctest` directory.
    return bundle.deletingLastPathComponent()
  }

  static func executable(_ name: String) -> URL { productsDirectory.appendingPathComponent(name) }

  /// Starts the server and waits (at most 20 s) for its "listening" line;
  /// a server that does not get there is killed and its log thrown.
  static func start(arguments: [String] = [], dataDirectory: URL? = nil) async throws -> ServerProcess {
    let server = try ServerProcess(arguments: arguments, dataDirectory: dataDirectory)
    let port = await server.output.port.value(within: .seconds(20)) ?? 0
    guard port != 0 else {
      _ = await server.stop(signal: SIGKILL)
      throw ServerProcessError(log: server.log)
    }
    server.port = port
    return server
  }

  private init(arguments: [String], dataDirectory: URL?) throws {
    self.dataDirectory = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-e2e-\(UUID().uuidString)")
    ownsDataDirectory = dataDirectory == nil
    process.executableURL = Self.executable("hookwire-server")
    // A server given `--database` keeps its data there; `--data-dir` would contradict it.
    let data = arguments.contains("--database") ? [] : ["--data-dir", self.dataDirectory.path]
    process.arguments = ["--listen", "127.0.0.1:0", "--loops", "2"] + data + arguments
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    let termination = termination
    process.terminationHandler = { termination.resolve($0.terminationStatus) }
    try process.run()
    output.startReading(errors.fileHandleForReading)
  }

  /// Sends `signal`, awaits the process's exit and the end of its log, and
  /// returns its status. A server that has not exited 15 s after the signal
  /// is killed, and reported with status -1. A server that has already
  /// exited is not signalled again; its status is returned.
  func stop(signal: Int32 = SIGTERM) async -> Int32 {
    if let status = termination.current { return status }
    kill(process.processIdentifier, signal)
    guard let status = await termination.value(within: .seconds(15)) else {
      kill(process.processIdentifier, SIGKILL)
      _ = await termination.value(within: .seconds(15))
      return -1
    }
    _ = await output.end.value(within: .seconds(5))
    return status
  }

  /// A server its test left running (it threw before stopping it) is
  /// killed here, without waiting.
  deinit {
    if process.isRunning && termination.current == nil { kill(process.processIdentifier, SIGKILL) }
    if ownsDataDirectory { try? FileManager.default.removeItem(at: dataDirectory) }
  }
}

/// Starts a server, runs `body` with it, and stops it (SIGTERM) afterwards
/// whether `body` returned or threw; a server `body` stopped itself is left
/// as it is.
func withServer<Result>(
  arguments: [String] = [], dataDirectory: URL? = nil, _ body: (ServerProcess) async throws -> Result
) async throws -> Result {
  let server = try await ServerProcess.start(arguments: arguments, dataDirectory: dataDirectory)
  do {
    let result = try await body(server)
    _ = await server.stop()
    return result
  } catch {
    _ = await server.stop()
    throw error
  }
}

struct ServerProcessError: Error, CustomStringConvertible {
  var log: String
  var description: String { "hookwire-server did not start; its log:\n\(log)" }
}
