import HookwireDomain

/// Service identities on SQLite: `service_identities`, one row per
/// registration; a partial unique index keeps at most one active row per
/// match, and `AUTOINCREMENT` keeps ids from being reused. Each change
/// writes its audit event in the change's own transaction.
extension SQLitePartnerStore {
  package func createServiceIdentity(service: String, match: CertificateMatch, by actor: AuditActor) async throws -> ServiceIdentity {
    let name = try ServiceIdentity.serviceName(service)
    return try await database.write { db in
      if let active = try Self.activeIdentity(db, match) { throw StoreRules.identityConflict(active) }
      let created = nowMs()
      try db.prepare("INSERT INTO service_identities (service_name, match_kind, match_value, created_at_ms) VALUES (?, ?, ?, ?)")
        .bind(.text(name), .integer(match.kind.rawValue), .text(match.value), .integer(created)).run()
      let identity = ServiceIdentity(id: db.lastInsertRowID, serviceName: name, match: match, createdAtMs: created)
      try SQLiteAuditStore.record(.serviceIdentityCreated(identity, by: actor), in: db)
      return identity
    }
  }

  package func serviceIdentities() async throws -> [ServiceIdentity] {
    try await database.read { db in
      let rows = try db.prepare("SELECT \(Self.identityColumns) FROM service_identities ORDER BY id")
      var found: [ServiceIdentity] = []
      while try rows.step() {
        if let identity = Self.identity(rows) { found.append(identity) }
      }
      return found
    }
  }

  package func revokeServiceIdentity(_ selector: ServiceIdentity.Selector, by actor: AuditActor) async throws -> ServiceIdentity {
    try await database.write { db in
      let found: ServiceIdentity?
      switch selector {
      case .id(let id):
        let row = try db.prepare("SELECT \(Self.identityColumns) FROM service_identities WHERE id = ?").bind(.integer(id))
        found = try row.step() ? Self.identity(row) : nil
      case .match(let match):
        found = try Self.activeIdentity(db, match)
      }
      guard var identity = found else { throw StoreRules.identityNotFound(selector) }
      // Revoking a revoked identity changes nothing, so it records nothing.
      guard identity.isActive else { return identity }
      let now = nowMs()
      try db.prepare("UPDATE service_identities SET revoked_at_ms = ? WHERE id = ?").bind(.integer(now), .integer(identity.id)).run()
      try SQLiteAuditStore.record(.serviceIdentityRevoked(identity, by: actor, atMs: now), in: db)
      identity.revokedAtMs = now
      return identity
    }
  }

  package func authenticate(certificate: PresentedCertificate) async throws -> Principal? {
    let candidates = certificate.candidates
    guard !candidates.isEmpty else { return nil }
    let found = try await database.read { db in try candidates.compactMap { try Self.activeIdentity(db, $0) } }
    return ServiceIdentity.chosen(among: found, for: certificate)?.principal
  }

  static let identityColumns = "id, service_name, match_kind, match_value, created_at_ms, revoked_at_ms"

  /// The active identity with `match`, if any (the partial unique index's lookup).
  static func activeIdentity(_ db: SQLiteConnection, _ match: CertificateMatch) throws -> ServiceIdentity? {
    let row = try db.prepare(
      "SELECT \(identityColumns) FROM service_identities WHERE match_kind = ? AND match_value = ? AND revoked_at_ms IS NULL"
    ).bind(.integer(match.kind.rawValue), .text(match.value))
    return try row.step() ? identity(row) : nil
  }

  /// An identity row in `identityColumns` order; nil for a match kind no version wrote.
  static func identity(_ row: Statement) -> ServiceIdentity? {
    guard let match = CertificateMatch(kind: row.int(2), value: row.text(3)) else { return nil }
    return ServiceIdentity(
      id: row.int(0), serviceName: row.text(1), match: match, createdAtMs: row.int(4), revokedAtMs: row.isNull(5) ? nil : row.int(5))
  }
}
