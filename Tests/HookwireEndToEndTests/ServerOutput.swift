import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A running server's standard error, read on a thread of its own (never
/// one of Swift's cooperative pool) until the pipe closes.
final class ServerOutput: Sendable {
  private let collected = Mutex("")
  /// The port of the first "listening on 127.0.0.1:PORT" line, or 0 if the
  /// output ended without one.
  let port = Outcome<Int>()
  /// Known once the pipe has closed (the server and anything it started
  /// have exited) and everything written to it has been collected.
  let end = Outcome<Void>()

  /// Everything read so far.
  var text: String { collected.withLock { $0 } }

  /// Starts the reading thread. Plain `read`, not FileHandle: FileHandle
  /// traps when a signal interrupts it. The handle is held until the
  /// thread ends, so its descriptor stays open while it is read.
  func startReading(_ handle: FileHandle) {
    let thread = Thread { [self] in
      let fd = handle.fileDescriptor
      var buffer = [UInt8](repeating: 0, count: 4_096)
      while true {
        // The one blocking read of a server's log, on this dedicated thread.
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count > 0 {
          append(String(decoding: buffer[0..<count], as: UTF8.self))
        } else if count < 0 && errno == EINTR {
          continue
        } else {
          break
        }
      }
      withExtendedLifetime(handle) {}
      port.resolve(0)
      end.resolve(())
    }
    thread.name = "hookwire-server log"
    thread.start()
  }

  private func append(_ chunk: String) {
    let text = collected.withLock { text in
      text += chunk
      return text
    }
    if port.current == nil, let range = text.range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression),
      let port = Int(text[range].split(separator: ":").last ?? "")
    {
      self.port.resolve(port)
    }
  }
}
