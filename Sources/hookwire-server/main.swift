// hookwire-server: runs Hookwire's RPC server.
//
//   hookwire-server [--listen HOST:PORT] [--loops N]
//
// Listens on 127.0.0.1:7700 by default (or $HOOKWIRE_LISTEN); SIGTERM or
// SIGINT drains calls in flight and exits 0.
import Dispatch
import Foundation
import HookwireAPI
import HookwireServer

let log = ServerLog()
var options = ServerOptions()
do {
  options = try ServerOptions.parse(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
} catch {
  FileHandle.standardError.write(Data("hookwire-server: \(error)\n\n\(ServerOptions.usage)\n".utf8))
  exit(2)
}
if options.help {
  print(ServerOptions.usage)
  exit(0)
}

var configuration = RPCServer.Configuration()
configuration.host = options.host
configuration.port = options.port
if let loops = options.loops { configuration.loops = loops }
let health = HealthService(services: [Health.name, Diagnostics.name])
let server: RPCServer
do {
  server = try RPCServer(configuration: configuration, services: [health, DiagnosticsService()], log: log)
} catch {
  log("cannot listen on \(options.host):\(options.port): \(error)")
  exit(1)
}
log("listening on \(options.host):\(server.port) with \(configuration.loops) event loops")

signal(SIGTERM, SIG_IGN)
signal(SIGINT, SIG_IGN)
let signals = [SIGTERM, SIGINT].map { DispatchSource.makeSignalSource(signal: $0, queue: .main) }
for source in signals {
  source.setEventHandler {
    for source in signals { source.cancel() }
    log("shutting down: draining calls (grace \(configuration.shutdownGrace))")
    health.markAllNotServing()
    Task {
      await server.shutdown()
      log("stopped")
      exit(0)
    }
  }
  source.resume()
}
dispatchMain()
