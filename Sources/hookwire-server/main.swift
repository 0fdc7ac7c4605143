// hookwire-server: runs Hookwire's RPC server, or administers its data.
//
//   hookwire-server [--listen HOST:PORT] [--loops N] [--data-dir DIR] [--demo]
//   hookwire-server admin <command> [--data-dir DIR] …
//
// Listens on 127.0.0.1:7700 by default (or $HOOKWIRE_LISTEN); keeps its data
// in ./hookwire-data (SQLite); SIGTERM or SIGINT drains calls and exits 0.
import Dispatch
import Foundation
import HookwireAPI
import HookwirePosix
import HookwireDomain
import HookwireServer
import HookwireStore

TerminationSignals.install()
MemoryTuning.apply()
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "admin" {
  exit(await AdminCommand.run(Array(arguments.dropFirst())))
}

let log = ServerLog()
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

let data: DataDirectory
do {
  data = try DataDirectory.open(options.dataDirectory)
} catch {
  log("cannot open the data directory \(options.dataDirectory): \(error)")
  exit(1)
}
if options.demo {
  do {
    let accounts = try await DemoData.seedIfEmpty(data.store)
    if accounts.isEmpty {
      log("demo data already present in \(options.dataDirectory); its keys were printed when it was created")
    } else {
      print("Demo data created. API keys (shown once, stored only as hashes):")
      for account in accounts {
        let kind = account.partner.kind == .channel ? "channel" : "global"
        print("  \(account.partner.id) \(account.partner.name) (\(kind)): \(account.key.plaintext)")
      }
      fflush(nil)
    }
  } catch {
    log("cannot seed demo data: \(error)")
    exit(1)
  }
}

var configuration = RPCServer.Configuration()
configuration.host = options.host
configuration.port = options.port
if let loops = options.loops { configuration.loops = loops }
let health = HealthService(
  services: [Health.name, Diagnostics.name, Partners.name, Webhooks.name, Integrations.name, Events.name, EventLogs.name])
var deliveryConfiguration = DeliveryEngine.Configuration()
deliveryConfiguration.timeout = .seconds(options.deliveryTimeoutSeconds)
deliveryConfiguration.retention = .seconds(options.retentionDays * 86_400)
deliveryConfiguration.disableAfterFailing = .seconds(options.disableAfterHours * 3_600)
if let delays = options.retryDelaysMilliseconds {
  deliveryConfiguration.schedule = RetrySchedule(delays: delays.map { .milliseconds($0) })
}
let engine = DeliveryEngine(
  events: data.events, webhooks: data.webhooks, secrets: data.secrets,
  targets: TargetGuard(allowed: options.allowPrivateTargets), configuration: deliveryConfiguration,
  log: { log($0) })
let server: RPCServer
do {
  server = try RPCServer(
    configuration: configuration,
    services: [
      health, DiagnosticsService(), PartnersService(store: data.store),
      WebhooksService(
        webhooks: data.webhooks, partners: data.store, secrets: data.secrets, allowHTTPTargets: options.allowHTTPTargets,
        events: data.events, engine: engine),
      IntegrationsService(webhooks: data.webhooks, partners: data.store, secrets: data.secrets, allowHTTPTargets: options.allowHTTPTargets),
      EventsService(events: data.events, partners: data.store, engine: engine),
      EventLogsService(events: data.events, webhooks: data.webhooks, partners: data.store, secrets: data.secrets, engine: engine),
    ],
    interceptors: [AuthInterceptor(store: data.store, cacheTTL: .seconds(options.keyCacheSeconds))], log: log)
} catch {
  log("cannot listen on \(options.host):\(options.port): \(error)")
  exit(1)
}

engine.start()
let grace = configuration.shutdownGrace
TerminationSignals.onSignal { _ in
  log("shutting down: draining calls (grace \(grace))")
  health.markAllNotServing()
  Task {
    await server.shutdown()
    await engine.stop()
    data.database.close()
    log("stopped")
    exit(0)
  }
}
// Signals are caught from the first line on; a supervisor that signals
// right after this line gets a clean drain.
log("listening on \(options.host):\(server.port) with \(configuration.loops) event loops, data in \(options.dataDirectory)")
while true { try? await Task.sleep(for: .seconds(86_400)) }
