// hookwire-server: runs Hookwire's RPC server, or administers its data.
//
//   hookwire-server [--listen HOST:PORT] [--loops N] [--database URL] [--demo] [--tls-cert PEM --tls-key PEM …]
//                   [--log-format text|json] [--log-level debug|info|warning|error]
//   hookwire-server admin <command> [--database URL] …
//
// Listens on 127.0.0.1:7700 by default (or $HOOKWIRE_LISTEN); keeps its data
// in ./hookwire-data (SQLite) or in a PostgreSQL database shared with other
// servers; SIGTERM or SIGINT drains calls and exits 0; SIGHUP reloads the
// TLS files.
import Dispatch
import Foundation
import HookwireAPI
import HookwirePostgres
import HookwirePosix
import HookwireTLS
import HookwireDelivery
import HookwireDomain
import HookwireHTTP
import HookwireMetrics
import HookwireServer
import HookwireStore

TerminationSignals.install()
MemoryTuning.apply()
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "admin" {
  exit(await AdminCommand.run(Array(arguments.dropFirst())))
}

var options = ServerOptions()
do {
  options = try ServerOptions.parse(arguments, environment: ProcessInfo.processInfo.environment)
} catch {
  FileHandle.standardError.write(Data("hookwire-server: error: \(error)\n\n\(ServerOptions.usage)\n".utf8))
  exit(2)
}
if options.help {
  print(ServerOptions.usage)
  exit(0)
}
let log = ServerLog(format: options.logFormat, level: options.logLevel)
let database = LogField("database", options.database.description)

// Metrics are kept only when they are served.
let metrics = options.metricsListen.map { _ in MetricsRegistry() }
if let metrics { ProcessMetrics.register(version: ServerOptions.version, with: metrics) }
var postgresOptions = PostgresStores.Options()
if let name = options.nodeName { postgresOptions.node = name }
postgresOptions.leaseDuration = .seconds(options.deliveryLeaseSeconds)
let data: OpenedDatabase
do {
  data = try await OpenedDatabase.open(
    options.database, secretKeyFile: options.secretKeyFile, postgres: postgresOptions, metrics: metrics.map { StoreMetrics(registry: $0) })
} catch {
  log.error("cannot open the database \(options.database.description)", database, .error("\(error)"))
  exit(1)
}
if options.demo {
  do {
    if let seeded = try await DemoData.seedWithServiceKeyIfEmpty(data.stores.partners) {
      print("Demo data created. API keys (shown once, stored only as hashes):")
      for account in seeded.accounts {
        let reach: String
        switch account.partner.reach {
        case .all: reach = "every business unit; may search partners and --act-as any"
        case .units(let units) where account.partner.kind == .global:
          reach = "business units \(units.sorted().map(String.init).joined(separator: ", ")); may search partners and --act-as within them"
        case .units: reach = "business unit \(account.partner.buID) only"
        }
        let kind = account.partner.kind == .channel ? "channel" : "global"
        print("  \(kind) partner \(account.partner.id) \(account.partner.name) (\(reach)):\n    \(account.key.plaintext)")
      }
      print("  service rewards-engine (publishes events):\n    \(seeded.serviceKey.plaintext)")
    } else {
      log.info("demo data already present in \(options.database.description); its keys were printed when it was created", database)
    }
    fflush(nil)
  } catch {
    log.error("cannot seed demo data", database, .error("\(error)"))
    exit(1)
  }
}

var configuration = HookwireApplication.Configuration()
configuration.server.host = options.host
configuration.server.port = options.port
if let loops = options.loops { configuration.server.loops = loops }
var delivery = DeliveryEngine.Configuration()
delivery.timeout = .seconds(options.deliveryTimeoutSeconds)
delivery.retention = .seconds(options.retentionDays * 86_400)
delivery.disableAfterFailing = .seconds(options.disableAfterHours * 3_600)
if let delays = options.retryDelaysMilliseconds {
  delivery.schedule = RetrySchedule(delays: delays.map { .milliseconds($0) })
}
if let metrics {
  let backlog: (@Sendable (Int64, Int) async throws -> (count: Int, oldestDueMs: Int64?))? =
    switch data.stores.events {
    case let store as SQLiteEventStore: { try await store.dueBacklog(nowMs: $0, limit: $1) }
    case let store as PostgresEventStore: { try await store.dueBacklog(nowMs: $0, limit: $1) }
    default: nil
    }
  delivery.metrics = DeliveryMetrics(registry: metrics, backlog: backlog)
}
configuration.delivery = delivery
configuration.allowedPrivateTargets = options.allowPrivateTargets
configuration.allowHTTPTargets = options.allowHTTPTargets
configuration.deliveryCAFile = options.deliveryCAFile
if options.dnsCacheSeconds != 30 { configuration.resolver = HostResolver(cacheLifetime: .seconds(options.dnsCacheSeconds)) }
configuration.keyCacheTTL = .seconds(options.keyCacheSeconds)
configuration.server.tls = options.tls
configuration.server.tlsHandshakeTimeout = .seconds(options.tlsHandshakeTimeoutSeconds)
configuration.log = log
configuration.server.metrics = metrics

let application: HookwireApplication
do {
  application = try HookwireApplication(configuration: configuration, stores: data.stores)
} catch let error as TLSError {
  // The reason names the file: a TLS flag's or --delivery-ca-file's.
  log.error("cannot start: \(error.reason)")
  exit(1)
} catch {
  log.error("cannot listen on \(options.host):\(options.port)", .error("\(error)"))
  exit(1)
}
var metricsServer: HTTPServer?
if let metrics, let (host, port) = options.metricsListen {
  var http = HTTPServer.Configuration()
  http.host = host
  http.port = port
  let server = HTTPServer(
    configuration: http,
    responder: HTTPPathResponder(path: "/metrics", contentType: ExpositionFormat.contentType) { Array(await metrics.scrape().utf8) })
  do {
    let bound = try server.start()
    log.info("serving metrics on http://\(host.contains(":") ? "[\(host)]" : host):\(bound)/metrics")
  } catch {
    log.error("cannot serve metrics on \(host):\(port)", .error("\(error)"))
    exit(1)
  }
  metricsServer = server
}
let grace = configuration.server.shutdownGrace
TerminationSignals.onSignal { _ in
  log.info("shutting down: draining calls (grace \(grace))")
  application.stop()
}
ReloadSignal.onSignal {
  do throws(TLSError) {
    try application.server.reloadTLS()
    log.info("SIGHUP: reloaded the TLS certificate, key and client CA; new connections use them")
  } catch {
    log.error("SIGHUP: \(error.reason); keeping the files loaded before")
  }
}
let security: String
switch options.tls?.clientCertificates {
case nil: security = "plaintext"
case .none?: security = "TLS"
case .optional?: security = "TLS, client certificates accepted"
case .required?: security = "TLS, client certificates required"
}
// Signals are caught from the first line on; a supervisor that signals
// right after this line gets a clean drain.
// Tests and scripts read the address from this line's message, in either format.
let address = options.host.contains(":") ? "[\(options.host)]:\(application.port)" : "\(options.host):\(application.port)"
log.info(
  "listening on \(address) (\(security))", LogField("address", address), LogField("security", security), LogField("loops", configuration.server.loops), database)
await application.run()
await metricsServer?.shutdown()
await data.close()
log.info("stopped")
exit(0)
