import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP, the operator's "read your files again": every signal calls the
/// handler, on a thread of its own. Until a handler is installed SIGHUP is
/// ignored (`TerminationSignals.install()` sees to it), so an early one
/// does not end the process.
public enum ReloadSignal {
  private static let source = Mutex<UncheckedBox<(any DispatchSourceSignal)?>>(UncheckedBox(nil))

  /// Calls `handler` for each SIGHUP from now on; a later call replaces it.
  public static func onSignal(_ handler: @escaping @Sendable () -> Void) {
    signal(SIGHUP, SIG_IGN)
    let signals = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "hookwire-reload"))
    signals.setEventHandler(handler: handler)
    signals.resume()
    source.withLock { box in
      box.value?.cancel()
      box = UncheckedBox(signals)
    }
  }
}
