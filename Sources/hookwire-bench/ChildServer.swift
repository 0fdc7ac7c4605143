import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts this benchmark binary again as a server in its own process and
/// waits (at most `timeout`) for the line it prints when ready.
enum ChildServer {
  /// The process and the fields of its first line starting with `readyPrefix`.
  /// With `input` the child reads that pipe as its standard input;
  /// `environment` is added to this process's own. A child that prints a
  /// line starting with `error=` or exits first has that line written to
  /// standard error, and the start fails at once rather than at `timeout`.
  static func start(
    _ arguments: [String], readyPrefix: String, timeout: TimeInterval = 30, input: Pipe? = nil, environment: [String: String] = [:]
  ) -> (Process, [String])? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = arguments
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let output = Pipe()
    process.standardOutput = output
    if let input { process.standardInput = input }
    do { try process.run() } catch { return nil }
    var text = ""
    let fd = output.fileHandleForReading.fileDescriptor
    var buffer = [UInt8](repeating: 0, count: 65_536)
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      // Plain `poll` and `read`: FileHandle traps when a signal interrupts it.
      var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard Glibc.poll(&poll, 1, 100) == 1 else { continue }
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      guard count >= 0 else { continue }
      text += String(decoding: buffer[0..<count], as: UTF8.self)
      let lines = text.split(separator: "\n")
      if let line = lines.first(where: { $0.hasPrefix(readyPrefix) }) {
        return (process, line.dropFirst(readyPrefix.count).split(separator: " ").map(String.init))
      }
      if count == 0 || lines.contains(where: { $0.hasPrefix("error=") }) {
        let failure = lines.first { $0.hasPrefix("error=") }.map { String($0.dropFirst("error=".count)) } ?? "exited before it was ready"
        FileHandle.standardError.write(Data("hookwire-bench: \(arguments.first ?? "child"): \(failure)\n".utf8))
        break
      }
    }
    process.terminate()
    return nil
  }

  /// Stops a child server.
  static func stop(_ process: Process) {
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
  }
}
