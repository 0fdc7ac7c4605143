import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An `rpc-server` child that answers questions on its standard input
/// (`--control stdin`): `stats` is answered with one line of the server's
/// counters. Its resident memory and CPU time are read from `/proc`.
final class ControlledChild {
  /// The child process.
  let process: Process
  /// The port it serves.
  let port: Int
  private let input: Pipe
  private let output: Int32
  private var text = ""

  /// Starts `rpc-server` with `arguments` (besides `--control stdin`); nil
  /// when it did not report its port in time.
  init?(_ arguments: [String]) {
    let input = Pipe()
    guard let (process, fields) = ChildServer.start(["rpc-server", "--control", "stdin"] + arguments, readyPrefix: "port=", input: input),
      let port = fields.first.flatMap({ Int($0) }), let output = process.standardOutput as? Pipe
    else { return nil }
    self.process = process
    self.port = port
    self.input = input
    self.output = output.fileHandleForReading.fileDescriptor
  }

  /// The process id.
  var pid: Int32 { process.processIdentifier }

  /// The server's counters (`failed_handshakes`, `open_connections`), nil
  /// when the child did not answer within `timeout` seconds. With
  /// `trimming` the child first gives its free heap memory back to the kernel.
  func stats(trimming: Bool = false, timeout: Double = 5) -> [String: Int]? {
    let command = trimming ? "trim\n" : "stats\n"
    guard (try? input.fileHandleForWriting.write(contentsOf: Data(command.utf8))) != nil else { return nil }
    let deadline = Date().addingTimeInterval(timeout)
    var buffer = [UInt8](repeating: 0, count: 4_096)
    while Date() < deadline {
      if let end = text.firstIndex(of: "\n") {
        let line = text[..<end]
        text.removeSubrange(...end)
        guard line.hasPrefix("stats ") else { continue }
        var counters: [String: Int] = [:]
        for field in line.dropFirst(6).split(separator: " ") {
          let parts = field.split(separator: "=", maxSplits: 1)
          if parts.count == 2, let value = Int(parts[1]) { counters[String(parts[0])] = value }
        }
        return counters
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

  /// Stops the child.
  func stop() {
    try? input.fileHandleForWriting.close()
    ChildServer.stop(process)
  }
}
