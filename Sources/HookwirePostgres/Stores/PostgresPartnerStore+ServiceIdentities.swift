import HookwireDomain
import HookwireStore

/// Service identities in PostgreSQL: `service_identities`, one row per
/// registration. Ids come from the table's sequence, which never hands one
/// out twice (a registration rolled back may leave a gap). Registrations
/// take `idLock`, so one that races another server's for the same match
/// sees it committed and is CONFLICT; without the lock the two inserts would
/// wait on each other in the partial unique index, and two group
/// transactions inserting two matches in opposite orders would deadlock.
/// Each change writes its audit event in the change's own transaction.
extension PostgresPartnerStore {
  package func createServiceIdentity(service: String, match: CertificateMatch, by actor: AuditActor) async throws -> ServiceIdentity {
    let name = try ServiceIdentity.serviceName(service)
    return try await database.write { connection in
      try Self.lockIDs(connection)
      if let active = try Self.activeIdentity(connection, match) { throw StoreRules.identityConflict(active) }
      let created = nowMs()
      let rows = try connection.query(
        "INSERT INTO service_identities (service_name, match_kind, match_value, created_at_ms) VALUES ($1, $2, $3, $4) RETURNING id",
        .text(name), .integer(match.kind.rawValue), .text(match.value), .integer(created))
      let identity = ServiceIdentity(id: try Self.single(rows).int(0), serviceName: name, match: match, createdAtMs: created)
      try PostgresAuditStore.record(.serviceIdentityCreated(identity, by: actor), on: connection)
      return identity
    }
  }

  package func serviceIdentities() async throws -> [ServiceIdentity] {
    try await database.read { connection in
      try connection.query("SELECT \(Self.identityColumns) FROM service_identities ORDER BY id").compactMap(Self.identity)
    }
  }

  package func revokeServiceIdentity(_ selector: ServiceIdentity.Selector, by actor: AuditActor) async throws -> ServiceIdentity {
    try await database.write { connection in
      let found: ServiceIdentity?
      switch selector {
      case .id(let id):
        found = try connection.query("SELECT \(Self.identityColumns) FROM service_identities WHERE id = $1", .integer(id))
          .first.flatMap(Self.identity)
      case .match(let match):
        found = try Self.activeIdentity(connection, match)
      }
      guard var identity = found else { throw StoreRules.identityNotFound(selector) }
      let now = nowMs()
      // Only the revocation that finds the identity active (after waiting
      // for another server's) changes it and records it; revoking a revoked
      // one keeps its first time and records nothing (it is announced again all the same).
      if try connection.query(
        "UPDATE service_identities SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL RETURNING id", .integer(now),
        .integer(identity.id)
      ).isEmpty {
        let rows = try connection.query("SELECT revoked_at_ms FROM service_identities WHERE id = $1", .integer(identity.id))
        identity.revokedAtMs = try Self.single(rows).int(0)
      } else {
        try PostgresAuditStore.record(.serviceIdentityRevoked(identity, by: actor, atMs: now), on: connection)
        identity.revokedAtMs = now
      }
      try connection.notify(channel: PostgresChanges.channel, payload: "identity:\(identity.id)")
      return identity
    }
  }

  /// Every candidate of the certificate looked up in one statement.
  package func authenticate(certificate: PresentedCertificate) async throws -> Principal? {
    // A stored match never holds a NUL (nor can PostgreSQL's text), so a candidate with one matches nothing.
    let candidates = certificate.candidates.filter { !$0.value.utf8.contains(0) }
    guard !candidates.isEmpty else { return nil }
    let found = try await database.read { connection in
      let alternatives = candidates.indices.map { "(match_kind = $\(2 * $0 + 1) AND match_value = $\(2 * $0 + 2))" }
      return try connection.query(
        "SELECT \(Self.identityColumns) FROM service_identities WHERE revoked_at_ms IS NULL AND (\(alternatives.joined(separator: " OR ")))",
        candidates.flatMap { [PostgresValue.integer($0.kind.rawValue), .text($0.value)] }
      ).compactMap(Self.identity)
    }
    return ServiceIdentity.chosen(among: found, for: certificate)?.principal
  }

  /// The columns `identity(_:)` reads, in its order.
  static let identityColumns = "id, service_name, match_kind, match_value, created_at_ms, revoked_at_ms"

  /// The active identity with `match`, if any (the partial unique index's lookup).
  static func activeIdentity(_ connection: PostgresConnection, _ match: CertificateMatch) throws -> ServiceIdentity? {
    try connection.query(
      "SELECT \(identityColumns) FROM service_identities WHERE match_kind = $1 AND match_value = $2 AND revoked_at_ms IS NULL",
      .integer(match.kind.rawValue), .text(match.value)
    ).first.flatMap(identity)
  }

  /// An identity row in `identityColumns` order; nil for a match kind no version wrote.
  static func identity(_ row: PostgresRow) throws -> ServiceIdentity? {
    guard let match = CertificateMatch(kind: try row.int(2), value: try row.text(3)) else { return nil }
    return ServiceIdentity(
      id: try row.int(0), serviceName: try row.text(1), match: match, createdAtMs: try row.int(4), revokedAtMs: try row.optionalInt(5))
  }
}
