import HookwireDomain
import HookwireStore

/// Business units, programmes, partners, API keys and service identities
/// in PostgreSQL (`PostgresSchema`), following the `PartnerStore` rules as
/// `SQLitePartnerStore` does: the same ids, page tokens, ranking and errors.
///
/// Several servers write one database, so every create that assigns an id
/// or must be unique first takes `idLock`, a transaction-level advisory
/// lock: creates of units, programmes, partners and service identities run
/// one at a time across every server, each seeing what the one before
/// committed, so no two get the same id and a taken one is CONFLICT, never
/// a constraint failure. Service identities take their ids from a sequence.
///
/// `revokeAPIKey` and `revokeServiceIdentity` announce themselves on
/// `PostgresChanges.channel` inside their transaction, so other servers
/// forget what they cached once the revocation has committed.
package final class PostgresPartnerStore: PartnerStore {
  let database: PostgresDatabase

  /// A store over `database`, which must be migrated to `PostgresSchema.migrations`.
  package init(database: PostgresDatabase) {
    self.database = database
  }

  /// The `pg_advisory_xact_lock` key that serializes the creates assigning
  /// ids or unique matches (business units, programmes, partners, service
  /// identities), held to the writer's COMMIT. One key for all: a group of
  /// writes that takes it twice cannot deadlock with another group over the
  /// order of two.
  package static let idLock: Int64 = 0x6877_7061_7274_6964  // "hwpartid"

  package func createBusinessUnit(name: String) async throws -> BusinessUnit {
    let name = try StoreRules.name(name)
    return try await database.write { connection in
      try Self.lockIDs(connection)
      let created = nowMs()
      let rows = try connection.query(
        "INSERT INTO business_units (id, name, created_at_ms) SELECT coalesce(max(id), 0) + 1, $1, $2 FROM business_units RETURNING id",
        .text(name), .integer(created))
      return BusinessUnit(id: try Self.single(rows).int(0), name: name, createdAtMs: created)
    }
  }

  package func createProgramme(buID: Int64, name: String, id: String?) async throws -> Programme {
    let name = try StoreRules.name(name)
    let requested = try id.map(StoreRules.programmeID)
    return try await database.write { connection in
      try Self.lockIDs(connection)
      guard try Self.exists(connection, "SELECT 1 FROM business_units WHERE id = $1", .integer(buID)) else {
        throw DomainError(.notFound, "business unit \(buID) does not exist")
      }
      let programmeID: String
      if let requested {
        programmeID = requested
      } else {
        let count = try Self.single(connection.query("SELECT count(*) FROM programmes")).int(0)
        programmeID = try StoreRules.assignedProgrammeID(count: Int(count)) { id in
          try Self.exists(connection, "SELECT 1 FROM programmes WHERE id = $1", .text(id))
        }
      }
      guard try !Self.exists(connection, "SELECT 1 FROM programmes WHERE id = $1", .text(programmeID)) else {
        throw DomainError(.conflict, "programme \(programmeID) exists")
      }
      let created = nowMs()
      try connection.query(
        "INSERT INTO programmes (id, bu_id, name, created_at_ms) VALUES ($1, $2, $3, $4)",
        .text(programmeID), .integer(buID), .text(name), .integer(created))
      return Programme(id: programmeID, buID: buID, name: name, createdAtMs: created)
    }
  }

  package func createPartner(id: Int64?, name: String, kind: Partner.Kind, buID: Int64, reach: Reach) async throws -> Partner {
    let name = try StoreRules.name(name)
    return try await database.write { connection in
      try Self.lockIDs(connection)
      return try Self.insertPartner(connection, id: id, name: name, kind: kind, buID: buID, reach: reach)
    }
  }

  /// Inserts a partner, its reach and its search words (inside the
  /// caller's transaction, which holds `idLock`).
  static func insertPartner(
    _ connection: PostgresConnection, id: Int64?, name: String, kind: Partner.Kind, buID: Int64, reach: Reach
  ) throws -> Partner {
    var wanted: Set<Int64> = [buID]
    if kind == .global, case .units(let listed) = reach { wanted.formUnion(listed) }
    let found = try connection.query("SELECT id FROM business_units WHERE id = ANY($1::bigint[])", .text(bigintArray(wanted)))
    let existing = Set(try found.map { try $0.int(0) })
    if !existing.contains(buID) { throw DomainError(.notFound, "business unit \(buID) does not exist") }
    if let missing = wanted.subtracting(existing).min() { throw DomainError(.notFound, "business unit \(missing) does not exist") }
    let partnerID: Int64
    if let id {
      guard id > 0 else { throw DomainError(.invalid, "partner ids are positive") }
      guard try !exists(connection, "SELECT 1 FROM partners WHERE id = $1", .integer(id)) else {
        throw DomainError(.conflict, "partner \(id) exists")
      }
      partnerID = id
    } else {
      partnerID = try single(connection.query("SELECT coalesce(max(id), 10000) + 1 FROM partners")).int(0)
    }
    let partner = Partner(id: partnerID, name: name, kind: kind, buID: buID, reach: reach, createdAtMs: nowMs())
    let key = PartnerSearch.nameKey(name)
    try connection.query(
      "INSERT INTO partners (id, name, name_key, kind, bu_id, all_bus, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      .integer(partnerID), .text(name), .text(key), .integer(kind.rawValue), .integer(buID), .bool(partner.reach == .all),
      .integer(partner.createdAtMs))
    if case .units(let units) = partner.reach, !units.isEmpty {
      try connection.query(
        "INSERT INTO partner_reach (partner_id, bu_id) SELECT $1, unnest($2::bigint[])", .integer(partnerID), .text(bigintArray(units)))
    }
    let words = Set(PartnerSearch.words(name)).sorted()
    if !words.isEmpty {
      // One row per word: ($4, $1, $2, $3), ($5, $1, $2, $3), …
      let rows = words.indices.map { "($\($0 + 4), $1, $2, $3)" }.joined(separator: ", ")
      try connection.query(
        "INSERT INTO partner_words (word, name_key, partner_id, bu_id) VALUES \(rows) ON CONFLICT DO NOTHING",
        [.text(key), .integer(partnerID), .integer(buID)] + words.map(PostgresValue.text))
    }
    return partner
  }

  package func createAPIKey(for owner: KeyOwner, by actor: AuditActor) async throws -> NewAPIKey {
    let key = APIKeyMint.make()
    try await database.write { connection in
      var partner: PostgresValue = .null
      var service: PostgresValue = .null
      switch owner {
      case .partner(let id):
        guard try Self.exists(connection, "SELECT 1 FROM partners WHERE id = $1", .integer(id)) else {
          throw DomainError(.notFound, "partner \(id) does not exist")
        }
        partner = .integer(id)
      case .service(let name):
        service = .text(try StoreRules.name(name))
      }
      let now = nowMs()
      try connection.query(
        "INSERT INTO api_keys (prefix, hash, partner_id, service_name, created_at_ms) VALUES ($1, $2, $3, $4, $5)",
        .text(key.prefix), .bytes(key.hash), partner, service, .integer(now))
      try PostgresAuditStore.record(
        .keyCreated(prefix: key.prefix, for: owner, partner: try Self.keyPartner(connection, owner), by: actor, atMs: now), on: connection)
    }
    return NewAPIKey(plaintext: key.plaintext, prefix: key.prefix)
  }

  package func revokeAPIKey(prefix: String, by actor: AuditActor) async throws {
    let notFound = DomainError(.notFound, "no key with prefix \(prefix)")
    // No key's prefix holds a NUL, and PostgreSQL's text cannot carry one.
    guard !prefix.utf8.contains(0) else { throw notFound }
    try await database.write { connection in
      let now = nowMs()
      guard
        let row = try connection.query(
          "SELECT partner_id, service_name, revoked_at_ms FROM api_keys WHERE prefix = $1 FOR UPDATE", .text(prefix)
        ).first
      else { throw notFound }
      let owner: KeyOwner = row.isNull(0) ? .service(try row.text(1)) : .partner(try row.int(0))
      // Revoking a revoked key changes nothing, so it records nothing (it is announced again all the same).
      if row.isNull(2) {
        try connection.query("UPDATE api_keys SET revoked_at_ms = $1 WHERE prefix = $2", .integer(now), .text(prefix))
        try PostgresAuditStore.record(
          .keyRevoked(prefix: prefix, of: owner, partner: try Self.keyPartner(connection, owner), by: actor, atMs: now), on: connection)
      }
      try connection.notify(channel: PostgresChanges.channel, payload: "key:\(prefix)")
    }
  }

  /// The partner a key belongs to, if a partner's.
  static func keyPartner(_ connection: PostgresConnection, _ owner: KeyOwner) throws -> Partner? {
    guard case .partner(let id) = owner else { return nil }
    return try loadPartners(connection, ids: [id]).first
  }

  /// Looks the key up with its partner in one statement. Last use is kept
  /// to `APIKeyMint.lastUseResolutionMs`: the write happens only when the
  /// stored time is older, is conditional (a server that lost the race to
  /// another writes nothing), and its failure is ignored.
  package func authenticate(key: String) async throws -> Principal? {
    guard let prefix = APIKeyMint.prefix(of: key) else { return nil }
    let found: (owner: KeyOwner, partner: Partner?, lastUsed: Int64)? = try await database.read { connection in
      let rows = try connection.query(
        """
        SELECT k.hash, k.service_name, coalesce(k.last_used_at_ms, 0), \(Self.partnerColumns)
        FROM api_keys k LEFT JOIN partners p ON p.id = k.partner_id
        WHERE k.prefix = $1 AND k.revoked_at_ms IS NULL
        """, .text(prefix))
      guard let row = rows.first, APIKeyMint.matches(key, storedHash: try row.bytes(0)) else { return nil }
      if row.isNull(3) { return (.service(try row.text(1)), nil, try row.int(2)) }
      let partner = try Self.partner(row, from: 3)
      return (.partner(partner.id), partner, try row.int(2))
    }
    guard let found else { return nil }
    let now = nowMs()
    if APIKeyMint.lastUseIsStale(found.lastUsed, nowMs: now) {
      _ = try? await database.write { connection in
        try connection.query(
          "UPDATE api_keys SET last_used_at_ms = $1 WHERE prefix = $2 AND coalesce(last_used_at_ms, 0) < $3",
          .integer(now), .text(prefix), .integer(now - APIKeyMint.lastUseResolutionMs))
      }
    }
    switch found.owner {
    case .service(let name): return .service(name: name, keyPrefix: prefix)
    case .partner: return found.partner.map { .partner($0, keyPrefix: prefix) }
    }
  }

  package func partner(id: Int64) async throws -> Partner? {
    try await database.read { connection in try Self.loadPartners(connection, ids: [id]).first }
  }

  package func businessUnit(id: Int64) async throws -> BusinessUnit? {
    try await database.read { connection in
      try connection.query("SELECT id, name, created_at_ms FROM business_units WHERE id = $1", .integer(id)).first.map(Self.businessUnit)
    }
  }

  package func programme(id: String) async throws -> Programme? {
    guard !id.utf8.contains(0) else { return nil }
    return try await database.read { connection in
      try connection.query("SELECT id, bu_id, name, created_at_ms FROM programmes WHERE id = $1", .text(id)).first.map(Self.programme)
    }
  }

  package func allPartners() async throws -> [Partner] {
    try await database.read { connection in
      try connection.query("SELECT \(Self.partnerColumns) FROM partners p ORDER BY p.id").map { try Self.partner($0, from: 0) }
    }
  }

  /// Takes `idLock` for the rest of the writer's transaction.
  static func lockIDs(_ connection: PostgresConnection) throws {
    try connection.query("SELECT pg_advisory_xact_lock($1)", .integer(idLock))
  }

  /// Whether `sql` with `value` as `$1` returns a row.
  static func exists(_ connection: PostgresConnection, _ sql: String, _ value: PostgresValue) throws -> Bool {
    try !connection.query(sql, value).isEmpty
  }

  /// The one row a statement such as `count(*)` or `RETURNING` gives.
  static func single(_ rows: PostgresRows) throws -> PostgresRow {
    guard let row = rows.first else { throw StoreError(.internal, "the statement returned no row") }
    return row
  }

  /// A `bigint[]` parameter's text, such as `{1,2,3}`.
  static func bigintArray(_ values: some Collection<Int64>) -> String {
    "{" + values.sorted().map(String.init).joined(separator: ",") + "}"
  }
}
