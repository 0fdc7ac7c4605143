import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The metrics side of `rpc` and `rpc-server`: which modes a run measures
/// and the scrape that shows the server with metrics counted every call.
extension RPCBench {
  /// One server a run measures: plaintext or TLS, with metrics or without.
  struct Mode: Hashable {
    var tls: Bool
    var metrics: Bool
  }

  /// The modes `--metrics off|on|both` asks for, without metrics first.
  static func metricsModes(_ options: BenchOptions) -> [Bool] {
    switch options.string("metrics") ?? "off" {
    case "on": [true]
    case "both": [false, true]
    default: [false]
    }
  }

  /// The sum of `hookwire_rpc_requests_total` in a scrape of
  /// `127.0.0.1:port/metrics`, or nil when the scrape fails.
  static func scrapedCalls(port: Int) -> Int? {
    guard let body = scrape(port: port) else { return nil }
    var total = 0.0
    for line in body.split(separator: "\n") where line.hasPrefix("hookwire_rpc_requests_total{") {
      if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { total += value }
    }
    return Int(total)
  }

  /// `GET /metrics` over a blocking socket (the bench's own thread, between runs).
  static func scrape(port: Int) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    let request = Array("GET /metrics HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n".utf8)
    guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while response.count < 16 << 20 {
      let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      response += buffer[0..<count]
    }
    let text = String(decoding: response, as: UTF8.self)
    guard text.hasPrefix("HTTP/1.1 200"), let end = text.range(of: "\r\n\r\n") else { return nil }
    return String(text[end.upperBound...])
  }
}

extension RPCBench {
  /// One run's figures, kept for the sitting's summary.
  struct Measurement {
    /// Calls per second.
    var qps: Double
    /// Server CPU per call, in microseconds, when it could be read.
    var cpuPerCall: Double?
  }

  /// After `--rounds N`: one `rpc_summary` line per mode (medians over the
  /// rounds) and, when metrics ran both ways, one `rpc_metrics_cost` line
  /// with the median of each round's with/without ratios. A round's two
  /// runs sit next to each other in time, so their ratio cancels the drift
  /// of a shared machine that the medians of whole columns keep.
  static func summarize(
    _ measured: [[Mode: Measurement]], modes: [Mode], concurrency: Int, connections: Int, comparing: Bool
  ) {
    let level = "concurrency=\(concurrency) connections=\(connections) rounds=\(measured.count)"
    for mode in modes {
      let runs = measured.compactMap { $0[mode] }
      let cpu = runs.compactMap(\.cpuPerCall)
      var line = "rpc_summary \(level) tls=\(mode.tls ? 1 : 0) metrics=\(mode.metrics ? 1 : 0)"
      line += String(format: " qps_median=%.0f", median(runs.map(\.qps)))
      line += cpu.isEmpty ? " server_cpu_us_per_call_median=na" : String(format: " server_cpu_us_per_call_median=%.2f", median(cpu))
      print(line)
    }
    guard comparing else { return }
    for tls in Set(modes.map(\.tls)).sorted(by: { !$0 && $1 }) {
      let without = Mode(tls: tls, metrics: false)
      let with = Mode(tls: tls, metrics: true)
      let pairs = measured.compactMap { round in round[without].flatMap { off in round[with].map { (off, $0) } } }
      let qpsRatios = pairs.map { $0.1.qps / max($0.0.qps, 1) }
      let cpuRatios = pairs.compactMap { pair in pair.0.cpuPerCall.flatMap { off in pair.1.cpuPerCall.map { $0 / max(off, 0.001) } } }
      var line = "rpc_metrics_cost \(level) tls=\(tls ? 1 : 0)"
      line += String(format: " qps_ratio_median=%.3f", median(qpsRatios))
      line += cpuRatios.isEmpty ? " cpu_ratio_median=na" : String(format: " cpu_ratio_median=%.3f", median(cpuRatios))
      print(line)
    }
  }
}
