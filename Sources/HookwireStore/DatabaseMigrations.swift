import HookwireDomain

/// The versioned schema of Hookwire's database.
package enum DatabaseMigrations {
  /// Every migration, in order; never edit one that has shipped, add another.
  package static let migrations: [Migration] = [
    Migration(
      version: 1,
      sql: """
        CREATE TABLE business_units (
          id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at_ms INTEGER NOT NULL);
        CREATE TABLE programmes (
          id TEXT PRIMARY KEY, bu_id INTEGER NOT NULL REFERENCES business_units(id),
          name TEXT NOT NULL, created_at_ms INTEGER NOT NULL);
        CREATE INDEX programmes_by_bu ON programmes(bu_id, id);
        CREATE TABLE partners (
          id INTEGER PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL, kind INTEGER NOT NULL,
          bu_id INTEGER NOT NULL REFERENCES business_units(id), all_bus INTEGER NOT NULL DEFAULT 0,
          created_at_ms INTEGER NOT NULL);
        CREATE TABLE partner_reach (
          partner_id INTEGER NOT NULL REFERENCES partners(id), bu_id INTEGER NOT NULL REFERENCES business_units(id),
          PRIMARY KEY (partner_id, bu_id)) WITHOUT ROWID;
        CREATE TABLE partner_words (
          word TEXT NOT NULL, name_key TEXT NOT NULL, partner_id INTEGER NOT NULL REFERENCES partners(id),
          bu_id INTEGER NOT NULL, PRIMARY KEY (word, name_key, partner_id)) WITHOUT ROWID;
        CREATE INDEX partner_words_by_partner ON partner_words(partner_id, word);
        CREATE TABLE api_keys (
          prefix TEXT PRIMARY KEY, hash BLOB NOT NULL, partner_id INTEGER REFERENCES partners(id),
          service_name TEXT, created_at_ms INTEGER NOT NULL, revoked_at_ms INTEGER, last_used_at_ms INTEGER
        ) WITHOUT ROWID;
        """),
    Migration(
      version: 2,
      sql: """
        CREATE TABLE webhooks (
          id TEXT PRIMARY KEY, kind INTEGER NOT NULL, partner_id INTEGER NOT NULL REFERENCES partners(id),
          bu_id INTEGER NOT NULL REFERENCES business_units(id), all_bus INTEGER NOT NULL,
          programme_id TEXT REFERENCES programmes(id), payload_url TEXT NOT NULL, events TEXT NOT NULL,
          secret BLOB NOT NULL, secret_hint TEXT NOT NULL, state INTEGER NOT NULL, disabled_reason TEXT NOT NULL,
          version INTEGER NOT NULL, description TEXT NOT NULL,
          created_by_partner INTEGER NOT NULL, created_by_caller INTEGER NOT NULL, created_by_key TEXT NOT NULL,
          created_at_ms INTEGER NOT NULL, updated_by_partner INTEGER NOT NULL, updated_by_caller INTEGER NOT NULL,
          updated_by_key TEXT NOT NULL, updated_at_ms INTEGER NOT NULL, deleted_at_ms INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX webhooks_by_bu ON webhooks(bu_id, kind, id) WHERE deleted_at_ms IS NULL;
        CREATE INDEX webhooks_all_bus ON webhooks(partner_id, id) WHERE all_bus = 1 AND deleted_at_ms IS NULL;
        """),
    Migration(
      version: 3,
      sql: """
        CREATE TABLE events (
          id TEXT PRIMARY KEY, bu_id INTEGER NOT NULL, programme_id TEXT, event_type TEXT NOT NULL,
          payload_json TEXT NOT NULL, published_at_ms INTEGER NOT NULL, idempotency_key TEXT NOT NULL,
          publisher TEXT NOT NULL) WITHOUT ROWID;
        CREATE UNIQUE INDEX events_by_idempotency_key ON events(publisher, idempotency_key) WHERE idempotency_key != '';
        CREATE TABLE deliveries (
          id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL,
          bu_id INTEGER NOT NULL, status INTEGER NOT NULL, attempts INTEGER NOT NULL, created_at_ms INTEGER NOT NULL,
          last_attempt_at_ms INTEGER NOT NULL, next_attempt_at_ms INTEGER NOT NULL, last_http_status INTEGER NOT NULL,
          last_error TEXT NOT NULL, manual INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX deliveries_due ON deliveries(next_attempt_at_ms) WHERE status IN \(SQLCode.list(DeliveryStatus.due));
        CREATE INDEX deliveries_by_webhook ON deliveries(webhook_id, created_at_ms, id);
        CREATE UNIQUE INDEX deliveries_by_event ON deliveries(event_id, webhook_id);
        CREATE TABLE attempts (
          delivery_id TEXT NOT NULL, attempt_number INTEGER NOT NULL, trigger INTEGER NOT NULL,
          attempted_at_ms INTEGER NOT NULL, http_status INTEGER NOT NULL, latency_ms INTEGER NOT NULL,
          response_excerpt TEXT NOT NULL, error TEXT NOT NULL, succeeded INTEGER NOT NULL,
          PRIMARY KEY (delivery_id, attempt_number)) WITHOUT ROWID;
        """),
    Migration(
      version: 4,
      sql: """
        CREATE TABLE webhook_failures (webhook_id TEXT PRIMARY KEY, failing_since_ms INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX events_by_time ON events(published_at_ms);
        CREATE INDEX deliveries_by_time ON deliveries(created_at_ms) WHERE status IN \(SQLCode.list(DeliveryStatus.finished));
        """),
    Migration(
      version: 5,
      sql: """
        CREATE TABLE service_identities (
          id INTEGER PRIMARY KEY AUTOINCREMENT, service_name TEXT NOT NULL, match_kind INTEGER NOT NULL,
          match_value TEXT NOT NULL, created_at_ms INTEGER NOT NULL, revoked_at_ms INTEGER);
        CREATE UNIQUE INDEX service_identities_active ON service_identities(match_kind, match_value) WHERE revoked_at_ms IS NULL;
        """),
    Migration(
      version: 6,
      sql: """
        CREATE TABLE audit_events (
          id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL, partner_id INTEGER NOT NULL, actor_kind INTEGER NOT NULL,
          actor_partner_id INTEGER NOT NULL, actor_credential TEXT NOT NULL, actor_name TEXT NOT NULL, action INTEGER NOT NULL,
          webhook_id TEXT NOT NULL, target_id TEXT NOT NULL, event_id TEXT NOT NULL, before_json TEXT NOT NULL,
          after_json TEXT NOT NULL, owner_partner_id INTEGER NOT NULL, bu_id INTEGER NOT NULL, all_bus INTEGER NOT NULL,
          delivery_bu_id INTEGER) WITHOUT ROWID;
        CREATE INDEX audit_events_by_webhook ON audit_events(webhook_id, id);
        CREATE INDEX audit_events_by_partner ON audit_events(partner_id, id);
        CREATE INDEX audit_events_by_bu ON audit_events(bu_id, id);
        CREATE INDEX audit_events_by_owner ON audit_events(owner_partner_id, id);
        """),
  ]
}
