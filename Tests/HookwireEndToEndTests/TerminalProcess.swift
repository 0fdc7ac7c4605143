import Foundation
import HookwireTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Runs `hookwire` with what the conventions tests need beyond
/// `runProcess`: bytes on standard input, or a pseudo-terminal as standard
/// output (and optionally standard input), so the CLI sees `isatty`.
///
/// Nothing here holds a thread of Swift's cooperative pool: the exit comes
/// from `Process.terminationHandler`, and every blocking read or write of a
/// pipe or the terminal's master side runs on a thread of its own.
enum TerminalProcess {
  /// What a run on a terminal left: the exit status, what the terminal
  /// showed (standard output, and what was typed, echoed) and standard error.
  struct Result: Sendable {
    var status: Int32
    var terminal: String
    var stderr: String
  }

  /// Runs `hookwire arguments` (or `executable`) with `input` written to its standard input
  /// through a pipe (closed after), and stdout and stderr piped back.
  static func run(_ arguments: [String], input: Data, executable: URL? = nil, timeout: TimeInterval = 20) async throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable ?? ServerProcess.executable("hookwire")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HOOKWIRE_") }
    let stdin = Pipe()
    let out = Pipe()
    let err = Pipe()
    process.standardInput = stdin
    process.standardOutput = out
    process.standardError = err
    let termination = Outcome<Int32>()
    process.terminationHandler = { termination.resolve($0.terminationStatus) }
    try process.run()
    let writer = stdin.fileHandleForWriting
    // A process that exits before reading it all must not kill the test with SIGPIPE.
    signal(SIGPIPE, SIG_IGN)
    Thread {
      try? writer.write(contentsOf: input)
      try? writer.close()
    }.start()
    let stdout = read(out.fileHandleForReading)
    let stderr = read(err.fileHandleForReading)
    let status = await finish(process, termination, timeout: timeout)
    let stdoutData = await stdout.value(within: .seconds(5)) ?? Data()
    let stderrData = await stderr.value(within: .seconds(5)) ?? Data()
    return ProcessResult(status: status, stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self))
  }

  /// Runs `hookwire arguments` with its standard output on a new
  /// pseudo-terminal; with `typed`, standard input is the terminal too and
  /// `typed` is what the user types (otherwise standard input is empty and
  /// not a terminal).
  static func runOnTerminal(_ arguments: [String], typed: String? = nil, timeout: TimeInterval = 20) async throws -> Result {
    var master: Int32 = -1
    var slave: Int32 = -1
    guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw TerminalError(reason: "openpty: \(String(cString: strerror(errno)))") }
    // Other tests start processes at the same time: none may inherit the
    // terminal, or its master side would not see the end when ours exits.
    _ = fcntl(master, F_SETFD, FD_CLOEXEC)
    _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
    let masterHandle = FileHandle(fileDescriptor: master, closeOnDealloc: true)
    let slaveHandle = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
    let process = Process()
    process.executableURL = ServerProcess.executable("hookwire")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HOOKWIRE_") }
    let err = Pipe()
    process.standardOutput = slaveHandle
    process.standardError = err
    process.standardInput = typed == nil ? FileHandle.nullDevice : slaveHandle
    let termination = Outcome<Int32>()
    process.terminationHandler = { termination.resolve($0.terminationStatus) }
    do {
      try process.run()
    } catch {
      close(slave)
      throw error
    }
    // Only the child holds the terminal's slave side now, so the master
    // reads end (EIO) once the child has exited.
    close(slave)
    let terminal = master
    if let typed { Thread { _ = typed.utf8CString.withUnsafeBufferPointer { write(terminal, $0.baseAddress, $0.count - 1) } }.start() }
    let shown = Outcome<Data>()
    Thread {
      var data = Data()
      var buffer = [UInt8](repeating: 0, count: 16 * 1024)
      while true {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(terminal, $0.baseAddress, $0.count) }
        if count > 0 {
          data.append(contentsOf: buffer[0..<count])
        } else if count < 0 && errno == EINTR {
          continue
        } else {
          break
        }
      }
      shown.resolve(data)
    }.start()
    let stderr = read(err.fileHandleForReading)
    let status = await finish(process, termination, timeout: timeout)
    let shownData = await shown.value(within: .seconds(5)) ?? Data()
    let stderrData = await stderr.value(within: .seconds(5)) ?? Data()
    withExtendedLifetime(masterHandle) {}
    return Result(
      status: status, terminal: String(decoding: shownData, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n"),
      stderr: String(decoding: stderrData, as: UTF8.self))
  }

  /// Awaits the exit, killing a process that outlives `timeout`.
  private static func finish(_ process: Process, _ termination: Outcome<Int32>, timeout: TimeInterval) async -> Int32 {
    if let status = await termination.value(within: .seconds(timeout)) { return status }
    kill(process.processIdentifier, SIGKILL)
    return await termination.value(within: .seconds(5)) ?? -1
  }

  /// Reads `handle` to its end on a thread of its own.
  private static func read(_ handle: FileHandle) -> Outcome<Data> {
    let data = Outcome<Data>()
    Thread { data.resolve(DescriptorReading.toEnd(handle)) }.start()
    return data
  }
}

/// A pseudo-terminal could not be made.
struct TerminalError: Error, CustomStringConvertible {
  var reason: String
  var description: String { reason }
}
