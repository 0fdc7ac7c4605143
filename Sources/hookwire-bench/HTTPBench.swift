import Foundation
import HookwireHTTP
import HookwirePosix
import HookwireTestSupport

/// The HTTP client alone: Hookwire's `HTTPClient` POSTing 200-byte JSON
/// bodies over keep-alive connections, one request in flight per
/// connection, to the local receiver or to `--url` (any HTTP/1.1 receiver,
/// such as the nginx that h2load measures, for a same-receiver comparison).
enum HTTPBench {
  static func run(_ options: BenchOptions) async {
    let requests = options.int("requests", default: 20_000)
    let concurrency = options.int("concurrency", default: 16)
    let receiverKind = options.string("receiver") ?? "loop"
    var threaded: TestReceiver?
    var looped: LoopReceiver?
    let target: (host: String, port: Int, path: String)
    if let text = options.string("url") {
      guard let url = URL(string: text), url.scheme == "http", let host = url.host, PeerAddress(host) != nil else {
        return print("http error=url_must_be_http_with_a_numeric_host")
      }
      target = (host, url.port ?? 80, url.path.isEmpty ? "/" : url.path)
    } else {
      if receiverKind == "threaded" { threaded = try? TestReceiver() } else { looped = try? LoopReceiver() }
      guard let port = looped?.port ?? threaded?.port else { return print("http error=receiver") }
      target = ("127.0.0.1", port, "/hooks")
    }
    guard let address = PeerAddress(target.host), let loops = try? EventLoopGroup(loops: 1, name: "bench-http") else {
      return print("http error=client")
    }
    var configuration = HTTPClient.Configuration()
    configuration.maxConnectionsPerHost = concurrency
    configuration.maxRequestsPerConnection = Int.max
    let client = HTTPClient(loops: loops, configuration: configuration)
    let request = HTTPClientRequest(
      scheme: .http, host: target.host, port: target.port, addresses: [address], target: target.path, contentType: "application/json",
      body: Array(#"{"type":"reward.issued","data":{"reward":"r-1","points":100,"partner":12345,"note":"a 200-byte body for the bench"}}"#.utf8.prefix(200)))
    let started = ContinuousClock.now
    let cpuAtStart = RPCBench.ownCPUMicroseconds()
    let failures = await withTaskGroup(of: Int.self) { group in
      for worker in 0..<concurrency {
        group.addTask {
          var index = worker
          var failed = 0
          while index < requests {
            if case .failure = await client.post(request, timeout: .seconds(15)) { failed += 1 }
            index += concurrency
          }
          return failed
        }
      }
      return await group.reduce(0, +)
    }
    let elapsed = ContinuousClock.now - started
    // Client and (when local) receiver together: both run in this process.
    let cpu = RPCBench.ownCPUMicroseconds() - cpuAtStart
    let received = looped?.count.load(ordering: .relaxed) ?? threaded?.requests.count ?? -1
    client.shutdown()
    await loops.shutdownGracefully()
    threaded?.stop()
    await looped?.stop()
    let receiverName = options.string("url") != nil ? "url" : receiverKind
    print(String(
      format: "http client=hookwire receiver=%@ connections=%d requests=%d received=%d failed=%d requests_per_s=%.0f cpu_us_per_request=%.1f",
      receiverName, concurrency, requests, received, failures, Double(requests) / elapsed.seconds,
      Double(cpu) / Double(requests)))
  }
}
