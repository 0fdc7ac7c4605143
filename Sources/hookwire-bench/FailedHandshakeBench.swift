import Dispatch
import Foundation
import HookwirePosix
import HookwireTLS
import HookwireWire

/// What failed handshakes cost a TLS server: `--count` connections that
/// each fail theirs, at most `--concurrency` at a time, against a child
/// server that requires client certificates from the bench CA. They rotate
/// through four failures: garbage after a TLS record header, a plaintext
/// Hookwire preface, a certificate from an unknown CA, and no certificate.
/// The server's resident memory is read before, after 1,000 and after all
/// of them (each time once the server has settled), and a client with a
/// good certificate must be served during and after.
enum FailedHandshakeBench {
  /// The ways an attempt fails, in rotation.
  enum Failure: String, CaseIterable {
    case garbageRecord = "garbage"
    case plaintextPreface = "preface"
    case unknownCA = "unknown-ca"
    case noCertificate = "no-cert"
  }

  static func run(_ options: BenchOptions) {
    let count = options.int("count", default: 10_000)
    let concurrency = options.int("concurrency", default: 32)
    let settle = options.int("settle", default: 3)
    // `--kind` runs one failure alone (to find which one costs memory).
    let kinds = options.string("kind").flatMap(Failure.init(rawValue:)).map { [$0] } ?? Failure.allCases
    signal(SIGPIPE, SIG_IGN)
    guard let certificates = try? BenchCertificates() else { return print("failed_handshakes error=tls_setup") }
    defer { certificates.remove() }
    guard let child = ControlledChild(certificates.serverArguments(requiringClientCertificates: true)) else {
      return print("failed_handshakes error=server_did_not_start")
    }
    defer { child.stop() }
    guard let loop = try? EventLoop(name: "hookwire-bench-client"),
      let good = try? TLSContext(client: certificates.clientConfiguration(certificate: certificates.client)),
      let foreign = try? TLSContext(client: certificates.clientConfiguration(certificate: certificates.foreignClient)),
      let anonymous = try? TLSContext(client: certificates.clientConfiguration())
    else { return print("failed_handshakes error=client_setup") }
    defer { loop.shutdownAndWait() }
    let attempts = FailedHandshakeRun(port: child.port, loop: loop, kinds: kinds, good: good, foreign: foreign, anonymous: anonymous)

    // A served client first, so the one-time cost of serving TLS is in the baseline.
    let warmUp = attempts.probe()
    let before = settled(child, seconds: settle)
    let first = min(1_000, count)
    attempts.fail(first, concurrency: concurrency, probeAfter: nil)
    let afterFirst = settled(child, seconds: settle)
    let rest = attempts.fail(count - first, concurrency: concurrency, probeAfter: (count - first) / 2)
    // The server trims freed memory at most every 10 s: wait for its next trim.
    let after = settled(child, seconds: max(settle, 11))
    let probeAfter = attempts.probe()
    // Then everything free goes back: what stays resident is held, not cached.
    let stats = child.stats(trimming: true)
    let trimmed = child.residentKiB ?? -1
    var line = "failed_handshakes count=\(count) concurrency=\(concurrency)"
    if kinds.count == 1 { line += " kind=\(kinds[0].rawValue)" }
    line += " rss_before_kib=\(before) rss_after_1000_kib=\(afterFirst) rss_after_kib=\(after) rss_growth_kib=\(after - before)"
    line += " rss_growth_after_1000_kib=\(after - afterFirst) rss_after_trim_kib=\(trimmed)"
    line += " server_failed_handshakes=\(stats?["failed_handshakes"].map(String.init) ?? "na")"
    line += " server_open_connections=\(stats?["open_connections"].map(String.init) ?? "na")"
    line += " refused_as_expected=\(attempts.refused) unexpected=\(attempts.unexpected)"
    line += " probe_before=\(warmUp) probe_during=\(rest ?? "none") probe_after=\(probeAfter)"
    if let reason = attempts.firstUnexpected { line += " first_unexpected=\"\(reason)\"" }
    print(line)
  }

  /// The child's resident memory once it has had `seconds` to settle.
  private static func settled(_ child: ControlledChild, seconds: Int) -> Int {
    Thread.sleep(forTimeInterval: Double(seconds))
    return child.residentKiB ?? -1
  }
}

/// The attempts of a failed-handshake run, on one loop; the caller's
/// thread waits for each batch.
final class FailedHandshakeRun: @unchecked Sendable {
  // Unchecked: the counters are changed on the loop thread only, and read
  // by the caller after it has waited for the batch to end.

  let port: Int
  let loop: EventLoop
  let kinds: [FailedHandshakeBench.Failure]
  let good: TLSContext
  let foreign: TLSContext
  let anonymous: TLSContext
  /// Attempts that failed as they should (the server closed or refused them).
  private(set) var refused = 0
  /// Attempts that did not fail as they should.
  private(set) var unexpected = 0
  private(set) var firstUnexpected: String?
  private var started = 0
  private var remaining = 0
  private var total = 0
  private var probeAt: Int?
  private var probeResult: String?
  private var probePending = false
  private let batchDone = DispatchSemaphore(value: 0)

  init(port: Int, loop: EventLoop, kinds: [FailedHandshakeBench.Failure], good: TLSContext, foreign: TLSContext, anonymous: TLSContext) {
    self.port = port
    self.loop = loop
    self.kinds = kinds
    self.good = good
    self.foreign = foreign
    self.anonymous = anonymous
  }

  /// A TLS client with a good certificate makes one echo: "ok", or why not.
  func probe() -> String {
    loop.execute { [self] in
      SingleCallConnection.start(port: port, tls: .init(context: good, sessionKey: nil), loop: loop) { [self] outcome in
        probeResult = Self.describe(outcome)
        batchDone.signal()
      }
    }
    batchDone.wait()
    return probeResult ?? "none"
  }

  /// Runs `count` failing attempts, `concurrency` at a time; with
  /// `probeAfter`, a good client's echo starts once that many have started
  /// (while others are in flight). Returns the probe's result.
  @discardableResult
  func fail(_ count: Int, concurrency: Int, probeAfter: Int?) -> String? {
    guard count > 0 else { return nil }
    loop.execute { [self] in
      started = 0
      total = count
      remaining = count
      probeAt = probeAfter
      probeResult = nil
      probePending = false
      for _ in 0..<min(concurrency, count) { startNext() }
    }
    batchDone.wait()
    return probeResult
  }

  private func startNext() {
    guard started < total else { return }
    let kind = kinds[started % kinds.count]
    started += 1
    if let probeAt, started == probeAt { startProbe() }
    switch kind {
    case .garbageRecord:
      // A handshake record header announcing 64 bytes, then 64 bytes that are no ClientHello.
      let bytes: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x40] + (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
      RawBytesProbe.start(port: port, bytes: bytes, loop: loop) { [self] outcome in
        if case .failed(let reason) = outcome { ended(expected: false, "garbage record: \(reason)") } else { ended(expected: true, nil) }
      }
    case .plaintextPreface:
      var writer = WireWriter()
      ConnectionPreface.write(to: &writer)
      RawBytesProbe.start(port: port, bytes: writer.bytes(), loop: loop) { [self] outcome in
        switch outcome {
        case .closed(let answered) where answered > 0: ended(expected: true, nil)
        case .closed: ended(expected: false, "plaintext preface: closed without the server's GOAWAY")
        case .failed(let reason): ended(expected: false, "plaintext preface: \(reason)")
        }
      }
    case .unknownCA, .noCertificate:
      let context = kind == .unknownCA ? foreign : anonymous
      SingleCallConnection.start(port: port, tls: .init(context: context, sessionKey: nil), loop: loop) { [self] outcome in
        if case .echoed = outcome { ended(expected: false, "\(kind): the server served it") } else { ended(expected: true, nil) }
      }
    }
  }

  private func startProbe() {
    probePending = true
    SingleCallConnection.start(port: port, tls: .init(context: good, sessionKey: nil), loop: loop) { [self] outcome in
      probeResult = Self.describe(outcome)
      probePending = false
      if remaining == 0 { batchDone.signal() }
    }
  }

  private func ended(expected: Bool, _ reason: String?) {
    if expected {
      refused += 1
    } else {
      unexpected += 1
      if firstUnexpected == nil { firstUnexpected = reason }
    }
    remaining -= 1
    if remaining == 0 && !probePending {
      batchDone.signal()
      return
    }
    startNext()
  }

  private static func describe(_ outcome: SingleCallConnection.Outcome) -> String {
    switch outcome {
    case .echoed: "ok"
    case .failed(let reason): "failed:" + reason.filter { $0 != " " && $0 != "\"" }.prefix(60)
    }
  }
}
