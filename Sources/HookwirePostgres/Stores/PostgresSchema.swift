import HookwireDomain
import HookwireStore

/// The versioned schema of Hookwire's PostgreSQL database: the tables of
/// the SQLite schema (`DatabaseMigrations`) in PostgreSQL's types, plus
/// what several servers on one database need (delivery leases).
///
/// Times are milliseconds since 1970 (UTC) in `bigint`, as SQLite stores
/// them, so both stores compute with the same numbers; codes are the
/// domain's (`SQLCode`).
package enum PostgresSchema {
  /// Every migration, in order; never edit one that has shipped, add another.
  package static let migrations: [Migration] = [
    Migration(
      version: 1,
      sql: """
        CREATE TABLE business_units (
          id bigint PRIMARY KEY, name text NOT NULL, created_at_ms bigint NOT NULL);
        CREATE TABLE programmes (
          id text COLLATE "C" PRIMARY KEY, bu_id bigint NOT NULL REFERENCES business_units(id),
          name text NOT NULL, created_at_ms bigint NOT NULL);
        CREATE INDEX programmes_by_bu ON programmes(bu_id, id);
        CREATE TABLE partners (
          id bigint PRIMARY KEY, name text NOT NULL, name_key text COLLATE "C" NOT NULL, kind bigint NOT NULL,
          bu_id bigint NOT NULL REFERENCES business_units(id), all_bus boolean NOT NULL DEFAULT false,
          created_at_ms bigint NOT NULL);
        CREATE TABLE partner_reach (
          partner_id bigint NOT NULL REFERENCES partners(id), bu_id bigint NOT NULL REFERENCES business_units(id),
          PRIMARY KEY (partner_id, bu_id));
        CREATE TABLE partner_words (
          word text COLLATE "C" NOT NULL, name_key text COLLATE "C" NOT NULL, partner_id bigint NOT NULL REFERENCES partners(id),
          bu_id bigint NOT NULL, PRIMARY KEY (word, name_key, partner_id));
        CREATE INDEX partner_words_by_partner ON partner_words(partner_id, word);
        CREATE TABLE api_keys (
          prefix text COLLATE "C" PRIMARY KEY, hash bytea NOT NULL, partner_id bigint REFERENCES partners(id),
          service_name text, created_at_ms bigint NOT NULL, revoked_at_ms bigint, last_used_at_ms bigint);
        CREATE TABLE service_identities (
          id bigserial PRIMARY KEY, service_name text NOT NULL, match_kind bigint NOT NULL,
          match_value text NOT NULL, created_at_ms bigint NOT NULL, revoked_at_ms bigint);
        CREATE UNIQUE INDEX service_identities_active ON service_identities(match_kind, match_value) WHERE revoked_at_ms IS NULL;
        """),
    Migration(
      version: 2,
      sql: """
        CREATE TABLE webhooks (
          id text COLLATE "C" PRIMARY KEY, kind bigint NOT NULL, partner_id bigint NOT NULL REFERENCES partners(id),
          bu_id bigint NOT NULL REFERENCES business_units(id), all_bus boolean NOT NULL,
          programme_id text REFERENCES programmes(id), payload_url text NOT NULL, events text NOT NULL,
          secret bytea NOT NULL, secret_hint text NOT NULL, state bigint NOT NULL, disabled_reason text NOT NULL,
          version bigint NOT NULL, description text NOT NULL,
          created_by_partner bigint NOT NULL, created_by_caller bigint NOT NULL, created_by_key text NOT NULL,
          created_at_ms bigint NOT NULL, updated_by_partner bigint NOT NULL, updated_by_caller bigint NOT NULL,
          updated_by_key text NOT NULL, updated_at_ms bigint NOT NULL, deleted_at_ms bigint);
        CREATE INDEX webhooks_by_bu ON webhooks(bu_id, kind, id) WHERE deleted_at_ms IS NULL;
        CREATE INDEX webhooks_all_bus ON webhooks(partner_id, id) WHERE all_bus AND deleted_at_ms IS NULL;
        CREATE TABLE webhook_failures (webhook_id text PRIMARY KEY, failing_since_ms bigint NOT NULL);
        """),
    Migration(
      version: 3,
      sql: """
        CREATE TABLE events (
          id text COLLATE "C" PRIMARY KEY, bu_id bigint NOT NULL, programme_id text, event_type text NOT NULL,
          payload_json text NOT NULL, published_at_ms bigint NOT NULL, idempotency_key text NOT NULL,
          publisher text NOT NULL);
        CREATE UNIQUE INDEX events_by_idempotency_key ON events(publisher, idempotency_key) WHERE idempotency_key <> '';
        CREATE INDEX events_by_time ON events(published_at_ms);
        CREATE TABLE deliveries (
          id text COLLATE "C" PRIMARY KEY, webhook_id text COLLATE "C" NOT NULL, event_id text COLLATE "C" NOT NULL,
          event_type text NOT NULL, bu_id bigint NOT NULL, status bigint NOT NULL, attempts bigint NOT NULL,
          created_at_ms bigint NOT NULL, last_attempt_at_ms bigint NOT NULL, next_attempt_at_ms bigint NOT NULL,
          last_http_status bigint NOT NULL, last_error text NOT NULL, manual boolean NOT NULL,
          leased_until_ms bigint, leased_by text);
        CREATE INDEX deliveries_due ON deliveries(next_attempt_at_ms) WHERE status IN \(SQLCode.list(DeliveryStatus.due));
        CREATE INDEX deliveries_leased ON deliveries(webhook_id, leased_until_ms) WHERE leased_until_ms IS NOT NULL;
        CREATE INDEX deliveries_by_webhook ON deliveries(webhook_id, created_at_ms, id);
        CREATE UNIQUE INDEX deliveries_by_event ON deliveries(event_id, webhook_id);
        CREATE INDEX deliveries_by_time ON deliveries(created_at_ms) WHERE status IN \(SQLCode.list(DeliveryStatus.finished));
        CREATE TABLE attempts (
          delivery_id text COLLATE "C" NOT NULL, attempt_number bigint NOT NULL, trigger bigint NOT NULL,
          attempted_at_ms bigint NOT NULL, http_status bigint NOT NULL, latency_ms bigint NOT NULL,
          response_excerpt text NOT NULL, error text NOT NULL, succeeded boolean NOT NULL,
          PRIMARY KEY (delivery_id, attempt_number));
        """),
    Migration(
      version: 4,
      sql: """
        CREATE TABLE settings (name text PRIMARY KEY, value bytea NOT NULL);
        """),
    Migration(
      version: 5,
      sql: """
        DROP INDEX deliveries_due;
        CREATE INDEX deliveries_due ON deliveries(next_attempt_at_ms, id) WHERE status IN \(SQLCode.list(DeliveryStatus.due));
        DROP INDEX deliveries_leased;
        CREATE INDEX deliveries_leased ON deliveries(leased_until_ms) WHERE leased_until_ms IS NOT NULL;
        CREATE INDEX webhooks_by_programme ON webhooks(programme_id) WHERE programme_id IS NOT NULL AND deleted_at_ms IS NULL;
        """),
    Migration(
      version: 6,
      sql: """
        CREATE TABLE audit_events (
          id text COLLATE "C" PRIMARY KEY, at_ms bigint NOT NULL, partner_id bigint NOT NULL, actor_kind bigint NOT NULL,
          actor_partner_id bigint NOT NULL, actor_credential text NOT NULL, actor_name text NOT NULL, action bigint NOT NULL,
          webhook_id text COLLATE "C" NOT NULL, target_id text NOT NULL, event_id text NOT NULL, before_json text NOT NULL,
          after_json text NOT NULL, owner_partner_id bigint NOT NULL, bu_id bigint NOT NULL, all_bus boolean NOT NULL,
          delivery_bu_id bigint);
        CREATE INDEX audit_events_by_webhook ON audit_events(webhook_id, id);
        CREATE INDEX audit_events_by_partner ON audit_events(partner_id, id);
        CREATE INDEX audit_events_by_bu ON audit_events(bu_id, id);
        CREATE INDEX audit_events_by_owner ON audit_events(owner_partner_id, id);
        """),
    // A webhook's log filtered by status, newest first, read from an index
    // in order rather than by sorting every delivery of the webhook.
    Migration(
      version: 7,
      sql: """
        CREATE INDEX deliveries_by_webhook_status ON deliveries(webhook_id, status, created_at_ms, id);
        """),
    // Leases in a narrow table of their own: a claim writes a small row
    // rather than a new version of the wide delivery row and an entry in
    // each of its indexes. One row per leased delivery; a lease lapses at
    // `leased_until_ms` (a lapsed row counts as no lease). Held by server,
    // ending first: a server's own leases and the others' are read apart.
    Migration(
      version: 8,
      sql: """
        CREATE TABLE delivery_leases (
          delivery_id text COLLATE "C" PRIMARY KEY, webhook_id text COLLATE "C" NOT NULL, leased_until_ms bigint NOT NULL,
          leased_by text COLLATE "C" NOT NULL);
        CREATE INDEX delivery_leases_by_holder ON delivery_leases(leased_by, leased_until_ms);
        INSERT INTO delivery_leases (delivery_id, webhook_id, leased_until_ms, leased_by)
          SELECT id, webhook_id, leased_until_ms, leased_by FROM deliveries WHERE leased_until_ms IS NOT NULL AND leased_by IS NOT NULL;
        DROP INDEX deliveries_leased;
        ALTER TABLE deliveries DROP COLUMN leased_until_ms, DROP COLUMN leased_by;
        """),
  ]
}

/// The `LISTEN/NOTIFY` channel on which every server announces its writes
/// that other servers cache or stream, so they see them at once. Payloads
/// are short ASCII (well under PostgreSQL's 8000-byte limit), one change
/// each, `<kind>:<argument>`:
///
/// | Payload | Sent by | Means |
/// | --- | --- | --- |
/// | `key:<prefix>` | `revokeAPIKey` | forget the key with that prefix |
/// | `identity:<id>` | `revokeServiceIdentity` | forget every cached certificate principal |
/// | `webhook:<id>` | webhook create, update, delete | read that webhook again |
/// | `attempt:<node> <delivery id> <attempt number>` | `record` | an attempt was logged by `node` |
///
/// A notification is sent inside the writing transaction
/// (`PostgresConnection.notify`), so PostgreSQL delivers it on commit and
/// never for a rolled-back write.
package enum PostgresChanges {
  /// The channel's name.
  package static let channel = "hookwire_changes"
}

extension PostgresChanges {
  /// A notification's meaning.
  package enum Parsed: Sendable, Equatable {
    /// A change caches must hear of.
    case store(StoreChange)
    /// An attempt logged by `node`.
    case attempt(node: String, deliveryID: String, number: Int)
  }

  /// The payload for `change`; nil for `.unknown`, which is never sent.
  package static func payload(_ change: StoreChange) -> String? {
    switch change {
    case .apiKeyRevoked(let prefix): "key:\(prefix)"
    case .serviceIdentityRevoked(let id): "identity:\(id)"
    case .webhookChanged(let id): "webhook:\(id)"
    case .unknown: nil
    }
  }

  /// The payload announcing an attempt `node` logged.
  package static func attemptPayload(node: String, deliveryID: String, number: Int) -> String {
    "attempt:\(node) \(deliveryID) \(number)"
  }

  /// What `payload` announces; nil for one this build does not know (a
  /// newer server's), which is ignored.
  package static func parse(_ payload: String) -> Parsed? {
    guard let colon = payload.firstIndex(of: ":") else { return nil }
    let kind = payload[..<colon]
    let argument = String(payload[payload.index(after: colon)...])
    switch kind {
    case "key" where !argument.isEmpty: return .store(.apiKeyRevoked(prefix: argument))
    case "identity": return Int64(argument).map { .store(.serviceIdentityRevoked(id: $0)) }
    case "webhook" where !argument.isEmpty: return .store(.webhookChanged(id: argument))
    case "attempt":
      let parts = argument.split(separator: " ", omittingEmptySubsequences: false)
      guard parts.count == 3, let number = Int(parts[2]) else { return nil }
      return .attempt(node: String(parts[0]), deliveryID: String(parts[1]), number: number)
    default: return nil
    }
  }
}
