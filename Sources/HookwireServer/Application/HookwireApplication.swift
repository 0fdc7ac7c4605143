import HookwireAPI
import HookwireCrypto
import HookwireDelivery
import HookwireDomain
import HookwirePosix
import HookwirePostgres
import HookwireRPC
import HookwireStore
import HookwireTCP
import Synchronization

/// Hookwire as one value: the services over their stores, the RPC server
/// and the delivery engine, built from one configuration, run together and
/// drained together. `hookwire-server`, the tests and the benchmarks all
/// start Hookwire through it.
package final class HookwireApplication: Sendable {
  /// How the application is set up.
  package struct Configuration: Sendable {
    /// The RPC server: address, loops, protocol and connection limits.
    package var server = RPCServer.Configuration()
    /// The delivery engine; nil runs no engine (publishing still stores
    /// deliveries, nothing sends them).
    package var delivery: DeliveryEngine.Configuration? = DeliveryEngine.Configuration()
    /// Addresses inside the network that deliveries may reach anyway.
    package var allowedPrivateTargets: [TargetGuard.CIDR] = []
    /// Where payload URLs' host names are looked up (the process's resolver
    /// by default; tests answer with one of their own).
    package var resolver: any NameResolving = TargetGuard.systemResolver
    /// A PEM file of CA certificates trusted for https payload URLs beside
    /// the system's store.
    package var deliveryCAFile: String?
    /// Whether payload URLs may use plain `http`.
    package var allowHTTPTargets = false
    /// How long an authenticated key is remembered.
    package var keyCacheTTL: Duration = .seconds(5)
    /// Where the server and the engine log.
    package var log = ServerLog()

    /// The defaults: every part, deliveries to public addresses over https.
    package init() {}
  }

  /// The stores the services and the engine work on, and the box that
  /// seals webhook secrets.
  package struct Stores: Sendable {
    /// Business units, programmes, partners and API keys.
    package var partners: any PartnerStore
    /// The webhooks and their sealed secrets.
    package var webhooks: any WebhookStore
    /// The event log: events, their deliveries and every attempt.
    package var events: any EventStore
    /// The box that seals each webhook's signing secret before it is stored and opens it to sign.
    package var secrets: SecretBox
    /// Writes other servers on the same database make, for the key cache;
    /// nil when this server is its database's only user.
    package var changes: (any StoreChangeFeed)?
    /// Attempts other servers on the same database log, for live tails.
    package var sharedAttempts: (any DeliveryAttemptFeed)?
    /// The audit trail the other stores write their changes' events to.
    package var audit: any AuditStore

    /// Stores of your choosing (in-memory ones in unit tests; `audit` is the
    /// trail they record in, an empty one when not given).
    package init(
      partners: any PartnerStore, webhooks: any WebhookStore, events: any EventStore, secrets: SecretBox,
      changes: (any StoreChangeFeed)? = nil, sharedAttempts: (any DeliveryAttemptFeed)? = nil,
      audit: any AuditStore = InMemoryAuditStore()
    ) {
      self.partners = partners
      self.webhooks = webhooks
      self.events = events
      self.secrets = secrets
      self.changes = changes
      self.sharedAttempts = sharedAttempts
      self.audit = audit
    }

    /// The SQLite stores over one database.
    package static func sqlite(_ database: Database, secrets: SecretBox) -> Stores {
      Stores(
        partners: SQLitePartnerStore(database: database), webhooks: SQLiteWebhookStore(database: database),
        events: SQLiteEventStore(database: database), secrets: secrets, audit: SQLiteAuditStore(database: database))
    }

    /// The PostgreSQL stores of one server among several on a database.
    package static func postgres(_ stores: PostgresStores, secrets: SecretBox) -> Stores {
      Stores(
        partners: stores.partners, webhooks: stores.webhooks, events: stores.events, secrets: secrets, changes: stores.changes,
        sharedAttempts: stores.sharedAttempts, audit: stores.audit)
    }
  }

  /// The services every Hookwire server runs, by name (for health checks).
  package static let serviceNames = [
    Health.name, Diagnostics.name, Partners.name, Webhooks.name, Integrations.name, Events.name, EventLogs.name, Audit.name,
  ]

  /// The configuration the application was built from.
  package let configuration: Configuration
  /// The stores the services and the engine work on.
  package let stores: Stores
  /// The RPC server, listening from `init` on (so `port` is known at once).
  package let server: RPCServer
  /// The delivery engine, when the configuration asks for one.
  package let engine: DeliveryEngine?
  /// What the engine sends with; let go of after the engine stops.
  private let sender: (any HTTPSender)?
  /// The events published here, as `Events.Listen` streams them.
  package let listeners: LocalEventFeed
  /// Health of the server and each service; NOT_SERVING once draining.
  package let health: HealthService
  /// Begun when the drain does: open listens and tails end UNAVAILABLE at once.
  package let drain = DrainSignal()
  private let stopRequested = Waker()
  private let stopping = Atomic<Bool>(false)

  /// Builds every part and binds the server; `sender` replaces the HTTP
  /// sender (benchmarks measure the engine alone with one that answers 200).
  ///
  /// - Throws: `IOError` when the server cannot listen or the loops cannot
  ///   start; `TLSError` when `deliveryCAFile` cannot be used.
  package init(configuration: Configuration, stores: Stores, sender: (any HTTPSender)? = nil) throws {
    self.configuration = configuration
    self.stores = stores
    let log = configuration.log
    if let delivery = configuration.delivery {
      let chosen: any HTTPSender
      if let sender { chosen = sender } else { chosen = try ClientSender(caFile: configuration.deliveryCAFile) }
      self.sender = chosen
      engine = DeliveryEngine(
        events: stores.events, webhooks: stores.webhooks, secrets: stores.secrets, sender: chosen,
        targets: TargetGuard(allowed: configuration.allowedPrivateTargets, resolver: configuration.resolver), configuration: delivery,
        log: log)
    } else {
      self.sender = nil
      engine = nil
    }
    health = HealthService(services: Self.serviceNames)
    let allowHTTP = configuration.allowHTTPTargets
    // The use cases signal due work and read attempts; the engine, when
    // there is one, is what answers.
    let dueWork: any DueWorkSignal = engine ?? NoDeliveryWorker()
    let clock = DomainClock { WallClock.nowMs() }
    // Listeners hear this server's publishes; other servers' are not relayed yet.
    let listeners = LocalEventFeed()
    self.listeners = listeners
    let services: [any RPCService] = [
      health, DiagnosticsService(), PartnersService(store: stores.partners),
      WebhooksService(
        webhooks: stores.webhooks, partners: stores.partners, secrets: stores.secrets, allowHTTPTargets: allowHTTP, events: stores.events,
        dueWork: dueWork, clock: clock),
      IntegrationsService(
        webhooks: stores.webhooks, partners: stores.partners, secrets: stores.secrets, allowHTTPTargets: allowHTTP, clock: clock),
      EventsService(events: stores.events, partners: stores.partners, dueWork: dueWork, clock: clock, listeners: listeners, drain: drain),
      EventLogsService(
        events: stores.events, webhooks: stores.webhooks, partners: stores.partners, secrets: stores.secrets, dueWork: dueWork,
        attempts: MergedAttemptFeed.of([engine, stores.sharedAttempts]), clock: clock, drain: drain),
      AuditService(audit: stores.audit, webhooks: stores.webhooks),
    ]
    server = RPCServer(
      configuration: configuration.server, services: services,
      interceptors: [AuthInterceptor(store: stores.partners, cacheTTL: configuration.keyCacheTTL, changes: stores.changes)], requestGuard: RequestBounds.standard,
      log: log, callFields: { $0.callerLogFields })
    port = try server.start()
  }

  /// The port the server listens on.
  package let port: Int

  /// Serves and delivers until `stop()` (or the task's cancellation), then
  /// drains: health turns NOT_SERVING, open listens and tails end
  /// UNAVAILABLE, other calls in flight finish within the server's grace
  /// period, the engine lets its attempts in flight end.
  /// Returns when all of that is done.
  package func run() async {
    await withDiscardingTaskGroup { group in
      if let engine { group.addTask { await engine.run() } }
      // The audit trail is kept as long as the event log, pruned as often.
      if let delivery = configuration.delivery {
        let retention = AuditRetention(
          audit: stores.audit, retention: delivery.retention, interval: delivery.pruneInterval, log: configuration.log)
        group.addTask { await retention.run() }
      }
      await withTaskCancellationHandler {
        while !stopping.load(ordering: .acquiring) && !Task.isCancelled {
          await stopRequested.wait(timeout: .seconds(3_600))
        }
      } onCancel: {
        stop()
      }
      health.markAllNotServing()
      drain.begin()
      await server.shutdown()
      await engine?.stop()
      group.cancelAll()
    }
    // The engine's task has returned, so no attempt reaches the sender now.
    await sender?.shutdown()
  }

  /// Asks `run()` to drain and return; safe from any thread, more than once.
  package func stop() {
    stopping.store(true, ordering: .releasing)
    stopRequested.wake()
  }
}
