// hookwire-bench: Hookwire's benchmarks. Each prints one `key=value` line
// per measurement, starting with the benchmark's name.
//
//   swift run -c release hookwire-bench codec [--iterations N] [--runs N]
import Foundation
import HookwirePosix

let arguments = Array(CommandLine.arguments.dropFirst())
let usage = """
  usage: hookwire-bench <benchmark> [options]

  benchmarks:
    codec   encode/decode ns/op of a Webhook and of a page of 100 event-log entries
            --iterations N (default 1000000, at most 20000000)  --runs N (default 5, at most 21)
            --message webhook|log_page_100 (default both)  --op encode|encode_reused_buffer|decode (default all)
    rpc     unary echo of 100 bytes against a server in a separate process
            --concurrency N (1…1024; default 1, 16 and 64)  --connections N (1…1024; default: 1, and one per call in flight)
            --duration S (default 5)  --server HOST:PORT (default: start one)  --server-loops N (default 1)
            --tls off|on|both (default off; both: plaintext, then TLS, at each level; tls=0|1 on each line)
            --ca-file FILE (the CA to trust with --tls and --server)  --rounds N (run each level's modes N times, alternating)
            --metrics off|on|both (default off; on: the server keeps Prometheus metrics and serves them; both: without,
            then with, at each level; metrics=0|1 and the calls the server's scrape counted on each line)
    handshakes  new connections/s: connect, TLS handshake, preface exchange, one echo, close
            --tls-resume off|on|both (default both: full handshakes and resumed TLS 1.3 sessions; plaintext always)
            --duration S (default 5)  --concurrency N (connections being made at once, default 8)
    failed-handshakes  server RSS over N connections whose TLS handshake fails, and a good client served meanwhile
            --count N (default 10000)  --concurrency N (default 32)  --settle S (seconds before each RSS reading, default 3)
            --kind garbage|preface|unknown-ca|no-cert (one failure alone; default: all four in turn)
    tls-certs  write the bench's CA, server and client certificates into --dir DIR and print their paths
    webhooks  GetWebhook and CreateWebhook QPS beside the no-op echo, server in another process
            --concurrency N (1…1024; default 16 and 64)  --duration S (default 5)  --server-loops N (default 1)
            --database sqlite:DIR|postgres://USER@HOST:PORT/DB (default: SQLite in a temporary directory; see below)
    delivery  end-to-end deliveries/s: publish → signed POST to a local receiver → attempt logged
            --events N (default 20000)  --webhooks N (default 16)  --in-flight N (default 64)  --per-webhook N (default 4)
            --sender http|null (default http; null answers 200 without HTTP: the engine and store alone)
            --connections N (the HTTP client's connections per endpoint, default 8)
            --scheme http|https (default http; https: a TLS receiver with a CA made for the run)
            --malloc tuned|default (default tuned: the server's allocator thresholds; default: glibc's own)
            --database sqlite:DIR|postgres://USER@HOST:PORT/DB (default: SQLite in a temporary directory; see below)
            --nodes N[,N…] (PostgreSQL only: N servers on one database, each its own node; 1,2 runs one, then two)
    http    the HTTP client alone: keep-alive POSTs of 200 bytes, one in flight per connection
            --requests N (default 20000)  --concurrency N (connections, default 16)
            --receiver threaded|loop (default loop)  --url http://ADDRESS:PORT/PATH (any receiver instead, e.g. nginx)
    logsearch  SearchEventLogs latency on a large event log, generated once into a bench data directory
            --rows N (default 10000000)  --queries N (default 2000)  --data-dir DIR (default: a temporary folder)
    search  partner search latency on a fresh database of generated partners
            --partners N (default 1000000, 1000…5000000)  --queries N (default 2000)
    pgbench  PostgreSQL's own pgbench (TPC-B-like) on a scratch database of the same server, for comparison
            --database postgres://USER@HOST:PORT/DB (required)  --clients N (default 8)  --threads N (default 2)
            --duration S (default 10)  --scale N (default 1)

  --database: sqlite:DIR puts a fresh SQLite database in DIR (removed afterwards). postgres:// (or postgresql://)
  creates a scratch database hookwire_bench_<random> on that server through the URL's database, runs on it and
  drops it at the end; the role needs CREATEDB. A password in the URL reaches child processes through PGPASSWORD.
  A bad or unreachable database URL exits 1 with one line on standard error.

  An unknown option, a missing value or one out of bounds exits 2, naming the flag.
  """

guard let name = arguments.first else {
  print(usage)
  exit(2)
}
if ["-h", "--help", "help"].contains(name) {
  print(usage)
  exit(0)
}
guard BenchOptions.accepted[name] != nil else {
  FileHandle.standardError.write(Data("hookwire-bench: error: unknown benchmark '\(name)'\n\n\(usage)\n".utf8))
  exit(2)
}
let options: BenchOptions
do {
  options = try BenchOptions(Array(arguments.dropFirst()), benchmark: name)
} catch {
  FileHandle.standardError.write(Data("hookwire-bench: error: \(error)\n\n\(usage)\n".utf8))
  exit(2)
}
// Servers and what stands in for them run with the server's allocator
// settings; the codec stays on glibc's defaults like the protobuf bench it
// is compared with, and the delivery server decides by `--malloc`.
if name != "codec" && name != "delivery-server" { MemoryTuning.apply() }
switch name {
case "codec":
  CodecBench.run(options)
case "rpc":
  RPCBench.run(options)
case "rpc-server":
  RPCBench.serve(options)
case "handshakes":
  HandshakeBench.run(options)
case "failed-handshakes":
  FailedHandshakeBench.run(options)
case "tls-certs":
  TLSCertificatesCommand.run(options)
case "search":
  await SearchBench.run(options)
case "webhooks":
  await WebhooksBench.run(options)
case "webhooks-server":
  await WebhooksBench.serve(options)
case "delivery":
  await DeliveryBench.run(options)
case "http":
  await HTTPBench.run(options)
case "logsearch":
  await LogSearchBench.run(options)
case "delivery-server":
  await DeliveryBench.serve(options)
case "pgbench":
  await PgbenchCommand.run(options)
default:
  FileHandle.standardError.write(Data("hookwire-bench: error: unknown benchmark '\(name)'\n".utf8))
  exit(2)
}
