import Foundation
import HookwireClient
import HookwireHTTP
import HookwireMetrics
import HookwirePosix
import HookwireServer

/// Unary echo of 100 bytes against a server in another process, driven by a
/// load generator that runs on one event loop with no tasks in its path
/// (as the C echo's load generator does), so the server is what is measured.
enum RPCBench {
  static func run(_ options: BenchOptions) {
    let duration = options.int("duration", default: 5)
    let concurrencies = options.int("concurrency").map { [$0] } ?? [1, 16, 64]
    // By default each level runs twice: every call multiplexed on one
    // connection, and one connection per call in flight (the C echo's shape).
    let connectionChoice = options.int("connections")
    // `--tls on|both`: a TLS server too, with certificates made for the run;
    // at each level plaintext runs first, then TLS.
    let modes = tlsModes(options)
    // `--metrics on|both`: a server keeping metrics too; at each level and
    // TLS mode, the one without runs first, then the one with.
    let metricsChoices = metricsModes(options)
    let runs = modes.flatMap { tls in metricsChoices.map { Mode(tls: tls, metrics: $0) } }
    var certificates: BenchCertificates?
    if modes.contains(true) && options.string("server") == nil {
      guard let made = try? BenchCertificates() else { return print("rpc error=tls_setup") }
      certificates = made
    }
    defer { certificates?.remove() }
    // An outside server (`--server`) is trusted through `--ca-file`.
    var security: [Bool: TransportSecurity] = [false: .plaintext]
    if let authorityFile = certificates?.authorityFile ?? options.string("ca-file") {
      security[true] = .tls(BenchCertificates.clientConfiguration(authorityFile: authorityFile))
    } else if modes.contains(true) {
      return print("rpc error=tls_needs_ca_file")
    }
    var servers: [Mode: Process] = [:]
    var addresses: [Mode: String] = [:]
    var metricsPorts: [Mode: Int] = [:]
    defer { servers.values.forEach { ChildServer.stop($0) } }
    for mode in runs {
      if let address = options.string("server") {
        addresses[mode] = address
        continue
      }
      let loops = options.int("server-loops", default: 1)
      var extra = mode.tls ? certificates?.serverArguments() ?? [] : []
      if mode.metrics { extra += ["--metrics", "on"] }
      guard let (process, fields) = ChildServer.start(["rpc-server", "--loops", String(loops)] + extra, readyPrefix: "port="),
        let port = fields.first.flatMap({ Int($0) })
      else {
        print("rpc error=server_did_not_start")
        return
      }
      servers[mode] = process
      addresses[mode] = "127.0.0.1:\(port)"
      metricsPorts[mode] = fields.dropFirst().first { $0.hasPrefix("metrics_port=") }.flatMap { Int($0.dropFirst("metrics_port=".count)) }
    }
    for concurrency in concurrencies {
      let layouts = connectionChoice.map { [$0] } ?? (concurrency == 1 ? [1] : [1, concurrency])
      // `--rounds N` alternates the modes N times per level: on a noisy
      // machine the pairs, not single runs, compare.
      for connections in layouts {
        // Odd rounds run the modes in reverse (A B, B A, …), so a machine
        // that speeds up or slows down during the sitting favours neither.
        let rounds = (0..<options.int("rounds", default: 1)).map { $0 % 2 == 0 ? runs : runs.reversed() }
        var measured: [[Mode: Measurement]] = []
        for (round, modes) in rounds.enumerated() {
          measured.append([:])
          for mode in modes {
            let tls = mode.tls
            guard let address = addresses[mode], let security = security[tls], let colon = address.lastIndex(of: ":"),
              let port = Int(address[address.index(after: colon)...])
            else {
              print("rpc error=bad_server_address")
              return
            }
            let host = String(address[..<colon])
            let perConnection = max(1, concurrency / connections)
            let pid = servers[mode]?.processIdentifier
            guard let result = LoadGenerator.run(
              host: host, port: port, connections: connections, inFlightPerConnection: perConnection, seconds: duration,
              cpuSampler: pid.map { pid in { cpuMicroseconds(of: pid) } }, security: security)
            else {
              print("rpc concurrency=\(concurrency) connections=\(connections) error=load_failed tls=\(tls ? 1 : 0)")
              continue
            }
            var line = "rpc concurrency=\(concurrency) connections=\(connections) duration_s=\(duration) calls=\(result.calls)"
            line += String(format: " qps=%.0f p50_us=%.0f p99_us=%.0f p999_us=%.0f", result.qps, result.p50, result.p99, result.p999)
            if let used = result.serverCPUMicroseconds {
              line += String(format: " server_cpu_us_per_call=%.2f", Double(used) / Double(max(result.calls, 1)))
            } else {
              line += " server_cpu_us_per_call=na"
            }
            line += " tls=\(tls ? 1 : 0)"
            if metricsChoices.count > 1 || mode.metrics { line += " metrics=\(mode.metrics ? 1 : 0)" }
            // The server with metrics counted every call: its scrape says how many so far.
            if let metricsPort = metricsPorts[mode] { line += " scraped_calls=\(scrapedCalls(port: metricsPort).map(String.init) ?? "na")" }
            print(line)
            measured[round][mode] = Measurement(
              qps: result.qps, cpuPerCall: result.serverCPUMicroseconds.map { Double($0) / Double(max(result.calls, 1)) })
          }
        }
        if rounds.count > 1 {
          summarize(measured, modes: runs, concurrency: concurrency, connections: connections, comparing: metricsChoices.count > 1)
        }
      }
    }
  }

  /// The server side: health and echo on 127.0.0.1, port printed as `port=N`;
  /// TLS with `--tls-cert` and `--tls-key`.
  static func serve(_ options: BenchOptions) {
    var configuration = RPCServer.Configuration()
    configuration.port = 0
    configuration.loops = options.int("loops", default: 1)
    configuration.tls = tlsConfiguration(options)
    let metrics = options.string("metrics") == "on" ? MetricsRegistry() : nil
    configuration.metrics = metrics
    do {
      let server = RPCServer(
        configuration: configuration, services: [HealthService(services: []), DiagnosticsService()],
        requestGuard: RequestBounds.standard, log: ServerLog(enabled: false))
      let port = try server.start()
      // With metrics, they are served as hookwire-server serves them.
      let endpoint = metrics.map { metrics in
        HTTPServer(responder: HTTPPathResponder(path: "/metrics", contentType: ExpositionFormat.contentType) { Array(await metrics.scrape().utf8) })
      }
      if let endpoint { print("port=\(port) metrics_port=\(try endpoint.start())") } else { print("port=\(port)") }
      fflush(nil)
      signal(SIGTERM, SIG_DFL)
      withExtendedLifetime(endpoint) { keepServing(server, options) }
    } catch {
      print("error=\(error)")
    }
  }

  /// CPU time (user + system) this process has used, in microseconds.
  static func ownCPUMicroseconds() -> Int64 {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Int64(usage.ru_utime.tv_sec) * 1_000_000 + Int64(usage.ru_utime.tv_usec)
    return user + Int64(usage.ru_stime.tv_sec) * 1_000_000 + Int64(usage.ru_stime.tv_usec)
  }

  /// CPU time (user + system) process `pid` has used so far, in microseconds.
  static func cpuMicroseconds(of pid: Int32) -> Int64 {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // After the command: state is field 3, utime 14 and stime 15 (1-based).
    guard fields.count > 13, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return 0 }
    let ticks = Int64(sysconf(Int32(_SC_CLK_TCK)))
    return (user + system) * 1_000_000 / max(ticks, 1)
  }
}
