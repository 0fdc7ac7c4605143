import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM and SIGINT, caught from the moment `install()` runs: the handler
/// only writes a byte to a pipe (async-signal-safe), so no signal is lost
/// however early it arrives, and shutdown runs on an ordinary thread.
public enum TerminationSignals {
  // Written once by `install()` before the handlers can run; read by them.
  nonisolated(unsafe) private static var writeFD: Int32 = -1
  nonisolated(unsafe) private static var readFD: Int32 = -1

  /// Installs the handlers; call first thing in `main`. SIGHUP is ignored
  /// from then on until `ReloadSignal.onSignal` gives it a meaning.
  public static func install() {
    signal(SIGHUP, SIG_IGN)
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { return }
    readFD = fds[0]
    writeFD = fds[1]
    for signalNumber in [SIGTERM, SIGINT] {
      signal(signalNumber) { number in
        var byte = UInt8(truncatingIfNeeded: number)
        _ = write(TerminationSignals.writeFD, &byte, 1)
      }
    }
  }

  /// Calls `handler` (once, on a thread of its own) with the first signal caught.
  public static func onSignal(_ handler: @escaping @Sendable (Int32) -> Void) {
    let fd = readFD
    guard fd >= 0 else { return }
    DispatchQueue.global().async {
      var byte: UInt8 = 0
      while true {
        let count = read(fd, &byte, 1)
        if count == 1 { return handler(Int32(byte)) }
        if count < 0 && errno == EINTR { continue }
        return
      }
    }
  }
}
