import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child server that answers questions on its standard input
/// (`--control stdin`): `rpc-server` answers `stats` with one line of its
/// counters, `delivery-server` answers `ids FILE` with what its sender saw.
/// Its resident memory and CPU time are read from `/proc`.
final class ControlledChild {
  /// The process.
  let process: Process
  /// The fields of its ready line, after the prefix.
  let fields: [String]
  private let input: Pipe
  private let output: Int32
  private var text = ""

  /// Starts `command` with `arguments` (besides `--control stdin`) and
  /// `environment` added to this process's; nil when it did not print a
  /// line starting with `readyPrefix` in time.
  init?(command: String, _ arguments: [String], readyPrefix: String, environment: [String: String] = [:]) {
    let input = Pipe()
    guard
      let (process, fields) = ChildServer.start(
        [command, "--control", "stdin"] + arguments, readyPrefix: readyPrefix, input: input, environment: environment),
      let output = process.standardOutput as? Pipe
    else { return nil }
    self.process = process
    self.fields = fields
    self.input = input
    self.output = output.fileHandleForReading.fileDescriptor
  }

  /// Starts `rpc-server` with `arguments`; nil when it did not report its port in time.
  convenience init?(_ arguments: [String]) {
    self.init(command: "rpc-server", arguments, readyPrefix: "port=")
    guard port > 0 else { return nil }
  }

  /// The port of an `rpc-server` (the first field of its ready line).
  var port: Int { fields.first.flatMap { Int($0) } ?? 0 }

  /// The process id.
  var pid: Int32 { process.processIdentifier }

  /// The server's counters (`failed_handshakes`, `open_connections`), nil
  /// when the child did not answer within `timeout` seconds. With
  /// `trimming` the child first gives its free heap memory back to the kernel.
  func stats(trimming: Bool = false, timeout: Double = 5) -> [String: Int]? {
    guard let answer = ask(trimming ? "trim" : "stats", answer: "stats", timeout: timeout) else { return nil }
    return answer.compactMapValues { Int($0) }
  }

  /// Sends `line` and returns the `key=value` fields of the first line that
  /// comes back starting with `answer` and a space; nil when none came
  /// within `timeout` seconds.
  func ask(_ line: String, answer: String, timeout: Double = 5) -> [String: String]? {
    guard (try? input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))) != nil else { return nil }
    let deadline = Date().addingTimeInterval(timeout)
    var buffer = [UInt8](repeating: 0, count: 4_096)
    while Date() < deadline {
      if let end = text.firstIndex(of: "\n") {
        let line = text[..<end]
        text.removeSubrange(...end)
        guard line.hasPrefix(answer + " ") else { continue }
        var fields: [String: String] = [:]
        for field in line.dropFirst(answer.count + 1).split(separator: " ") {
          let parts = field.split(separator: "=", maxSplits: 1)
          if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return fields
      }
      var poll = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
      guard Glibc.poll(&poll, 1, 100) == 1 else { continue }
      let count = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
      guard count > 0 else { return nil }
      text += String(decoding: buffer[0..<count], as: UTF8.self)
    }
    return nil
  }

  /// Resident memory (`VmRSS` in `/proc/<pid>/status`), in KiB; nil when unreadable.
  var residentKiB: Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return nil }
    return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
  }

  /// CPU time (user + system) the child has used, in microseconds.
  var cpuMicroseconds: Int64 { RPCBench.cpuMicroseconds(of: pid) }

  /// Stops the child: its standard input ends, then SIGTERM.
  func stop() {
    try? input.fileHandleForWriting.close()
    ChildServer.stop(process)
  }

  /// Stops the child: its standard input ends, and a child that has not
  /// exited by itself within `grace` (tidying up) gets SIGTERM.
  func stop(grace: Duration) async {
    try? input.fileHandleForWriting.close()
    let deadline = ContinuousClock.now + grace
    while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
    if process.isRunning { kill(process.processIdentifier, SIGTERM) }
    let killAt = ContinuousClock.now + .seconds(10)
    while process.isRunning && ContinuousClock.now < killAt { try? await Task.sleep(for: .milliseconds(10)) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
  }
}
