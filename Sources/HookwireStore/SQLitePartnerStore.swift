import HookwireDomain

/// The partner store on SQLite.
///
/// Search runs on `partner_words`, one row per distinct word of a partner's
/// name, keyed `(word, name_key, partner_id)`: a name-prefix query is a range
/// scan in rank order that stops after one page, whatever the table's size.
package final class SQLitePartnerStore: PartnerStore {
  let database: Database

  /// A store on `database` (migrated with `DatabaseMigrations.migrations`).
  package init(database: Database) { self.database = database }

  package func createBusinessUnit(name: String) async throws -> BusinessUnit {
    let name = try StoreRules.name(name)
    return try await database.write { db in
      let created = nowMs()
      try db.prepare("INSERT INTO business_units (name, created_at_ms) VALUES (?, ?)").bind(.text(name), .integer(created)).run()
      return BusinessUnit(id: db.lastInsertRowID, name: name, createdAtMs: created)
    }
  }

  package func createProgramme(buID: Int64, name: String, id: String?) async throws -> Programme {
    let name = try StoreRules.name(name)
    let requested = try id.map(StoreRules.programmeID)
    return try await database.write { db in
      guard try Self.exists(db, "SELECT 1 FROM business_units WHERE id = ?", .integer(buID)) else {
        throw DomainError(.notFound, "business unit \(buID) does not exist")
      }
      let programmeID: String
      if let requested {
        programmeID = requested
      } else {
        let count = try db.prepare("SELECT count(*) FROM programmes")
        _ = try count.step()
        programmeID = try StoreRules.assignedProgrammeID(count: Int(count.int(0))) { id in
          try Self.exists(db, "SELECT 1 FROM programmes WHERE id = ?", .text(id))
        }
      }
      guard try !Self.exists(db, "SELECT 1 FROM programmes WHERE id = ?", .text(programmeID)) else {
        throw DomainError(.conflict, "programme \(programmeID) exists")
      }
      let created = nowMs()
      try db.prepare("INSERT INTO programmes (id, bu_id, name, created_at_ms) VALUES (?, ?, ?, ?)")
        .bind(.text(programmeID), .integer(buID), .text(name), .integer(created)).run()
      return Programme(id: programmeID, buID: buID, name: name, createdAtMs: created)
    }
  }

  package func createPartner(id: Int64?, name: String, kind: Partner.Kind, buID: Int64, reach: Reach) async throws -> Partner {
    let name = try StoreRules.name(name)
    return try await database.write { db in try Self.insertPartner(db, id: id, name: name, kind: kind, buID: buID, reach: reach) }
  }

  /// Inserts a partner and its search words (inside the caller's transaction).
  static func insertPartner(_ db: SQLiteConnection, id: Int64?, name: String, kind: Partner.Kind, buID: Int64, reach: Reach) throws -> Partner {
    guard try exists(db, "SELECT 1 FROM business_units WHERE id = ?", .integer(buID)) else {
      throw DomainError(.notFound, "business unit \(buID) does not exist")
    }
    if kind == .global, case .units(let listed) = reach {
      for bu in listed where try !exists(db, "SELECT 1 FROM business_units WHERE id = ?", .integer(bu)) {
        throw DomainError(.notFound, "business unit \(bu) does not exist")
      }
    }
    var partnerID: Int64
    if let id {
      guard id > 0 else { throw DomainError(.invalid, "partner ids are positive") }
      guard try !exists(db, "SELECT 1 FROM partners WHERE id = ?", .integer(id)) else {
        throw DomainError(.conflict, "partner \(id) exists")
      }
      partnerID = id
    } else {
      let next = try db.prepare("SELECT coalesce(max(id), 10000) + 1 FROM partners")
      _ = try next.step()
      partnerID = next.int(0)
    }
    let partner = Partner(id: partnerID, name: name, kind: kind, buID: buID, reach: reach, createdAtMs: nowMs())
    let key = PartnerSearch.nameKey(name)
    let allBUs: Int64 = partner.reach == .all ? 1 : 0
    try db.prepare("INSERT INTO partners (id, name, name_key, kind, bu_id, all_bus, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind(.integer(partnerID), .text(name), .text(key), .integer(kind.rawValue), .integer(buID), .integer(allBUs), .integer(partner.createdAtMs))
      .run()
    if case .units(let units) = partner.reach {
      let insert = try db.prepare("INSERT INTO partner_reach (partner_id, bu_id) VALUES (?, ?)")
      for bu in units.sorted() {
        try insert.bind(.integer(partnerID), .integer(bu)).run()
        insert.reset()
      }
    }
    let word = try db.prepare("INSERT OR IGNORE INTO partner_words (word, name_key, partner_id, bu_id) VALUES (?, ?, ?, ?)")
    for token in Set(PartnerSearch.words(name)) {
      try word.bind(.text(token), .text(key), .integer(partnerID), .integer(buID)).run()
      word.reset()
    }
    return partner
  }

  /// Imports many partners at once (ids assigned in order), in transactions
  /// of `batch` partners: for migrations from another system and for
  /// benchmarks. Business units must exist.
  package func importPartners(
    _ partners: [(name: String, kind: Partner.Kind, buID: Int64, reach: Reach)], batch: Int = 10_000
  ) async throws {
    var start = 0
    while start < partners.count {
      let slice = Array(partners[start..<min(start + batch, partners.count)])
      try await database.write { db in
        for partner in slice {
          _ = try Self.insertPartner(db, id: nil, name: partner.name, kind: partner.kind, buID: partner.buID, reach: partner.reach)
        }
      }
      start += batch
    }
  }

  package func createAPIKey(for owner: KeyOwner, by actor: AuditActor) async throws -> NewAPIKey {
    let key = APIKeyMint.make()
    try await database.write { db in
      var partner: SQLValue = .null
      var service: SQLValue = .null
      switch owner {
      case .partner(let id):
        guard try Self.exists(db, "SELECT 1 FROM partners WHERE id = ?", .integer(id)) else {
          throw DomainError(.notFound, "partner \(id) does not exist")
        }
        partner = .integer(id)
      case .service(let name):
        service = .text(try StoreRules.name(name))
      }
      let now = nowMs()
      try db.prepare("INSERT INTO api_keys (prefix, hash, partner_id, service_name, created_at_ms) VALUES (?, ?, ?, ?, ?)")
        .bind(.text(key.prefix), .blob(key.hash), partner, service, .integer(now)).run()
      try SQLiteAuditStore.record(
        .keyCreated(prefix: key.prefix, for: owner, partner: try Self.keyPartner(db, owner), by: actor, atMs: now), in: db)
    }
    return NewAPIKey(plaintext: key.plaintext, prefix: key.prefix)
  }

  package func revokeAPIKey(prefix: String, by actor: AuditActor) async throws {
    try await database.write { db in
      let now = nowMs()
      let row = try db.prepare("SELECT partner_id, service_name, revoked_at_ms FROM api_keys WHERE prefix = ?").bind(.text(prefix))
      guard try row.step() else { throw DomainError(.notFound, "no key with prefix \(prefix)") }
      let owner: KeyOwner = row.isNull(0) ? .service(row.text(1)) : .partner(row.int(0))
      // Revoking a revoked key changes nothing, so it records nothing.
      guard row.isNull(2) else { return }
      try db.prepare("UPDATE api_keys SET revoked_at_ms = ? WHERE prefix = ?").bind(.integer(now), .text(prefix)).run()
      try SQLiteAuditStore.record(
        .keyRevoked(prefix: prefix, of: owner, partner: try Self.keyPartner(db, owner), by: actor, atMs: now), in: db)
    }
  }

  /// The partner a key belongs to, if a partner's.
  static func keyPartner(_ db: SQLiteConnection, _ owner: KeyOwner) throws -> Partner? {
    guard case .partner(let id) = owner else { return nil }
    return try loadPartners(db, ids: [id]).first
  }

  package func authenticate(key: String) async throws -> Principal? {
    guard let prefix = APIKeyMint.prefix(of: key) else { return nil }
    let found: (owner: KeyOwner, lastUsed: Int64)? = try await database.read { db in
      let row = try db.prepare("SELECT hash, partner_id, service_name, revoked_at_ms, coalesce(last_used_at_ms, 0) FROM api_keys WHERE prefix = ?")
        .bind(.text(prefix))
      guard try row.step(), row.isNull(3), APIKeyMint.matches(key, storedHash: row.blob(0)) else { return nil }
      return (row.isNull(1) ? .service(row.text(2)) : .partner(row.int(1)), row.int(4))
    }
    guard let found else { return nil }
    let now = nowMs()
    if APIKeyMint.lastUseIsStale(found.lastUsed, nowMs: now) {
      _ = try? await database.write { db in
        try db.prepare("UPDATE api_keys SET last_used_at_ms = ? WHERE prefix = ?").bind(.integer(now), .text(prefix)).run()
      }
    }
    switch found.owner {
    case .service(let name): return .service(name: name, keyPrefix: prefix)
    case .partner(let id): return try await partner(id: id).map { .partner($0, keyPrefix: prefix) }
    }
  }

  package func partner(id: Int64) async throws -> Partner? {
    try await database.read { db in try Self.loadPartners(db, ids: [id]).first }
  }

  package func businessUnit(id: Int64) async throws -> BusinessUnit? {
    try await database.read { db in
      let row = try db.prepare("SELECT id, name, created_at_ms FROM business_units WHERE id = ?").bind(.integer(id))
      return try row.step() ? BusinessUnit(id: row.int(0), name: row.text(1), createdAtMs: row.int(2)) : nil
    }
  }

  package func programme(id: String) async throws -> Programme? {
    try await database.read { db in
      let row = try db.prepare("SELECT id, bu_id, name, created_at_ms FROM programmes WHERE id = ?").bind(.text(id))
      return try row.step() ? Programme(id: row.text(0), buID: row.int(1), name: row.text(2), createdAtMs: row.int(3)) : nil
    }
  }

  package func businessUnits(within reach: Reach, pageSize: Int, pageToken: String) async throws -> Page<BusinessUnit> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken).map { Int64($0) ?? .max } ?? 0
    return try await database.read { db in
      var sql = "SELECT id, name, created_at_ms FROM business_units WHERE id > ?"
      var values: [SQLValue] = [.integer(after)]
      if case .units(let units) = reach {
        sql += " AND id IN (\(units.map { _ in "?" }.joined(separator: ",")))"
        values += units.sorted().map { .integer($0) }
        if units.isEmpty { return Page(items: [], nextToken: "") }
      }
      sql += " ORDER BY id LIMIT ?"
      values.append(.integer(Int64(size + 1)))
      let rows = try db.prepare(sql).bind(values)
      var items: [BusinessUnit] = []
      while try rows.step() { items.append(BusinessUnit(id: rows.int(0), name: rows.text(1), createdAtMs: rows.int(2))) }
      return StoreRules.page(fetched: items, size: size) { Paging.token(after: String($0.id)) }
    }
  }

  package func programmes(buID: Int64, pageSize: Int, pageToken: String) async throws -> Page<Programme> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken) ?? ""
    return try await database.read { db in
      let rows = try db.prepare("SELECT id, bu_id, name, created_at_ms FROM programmes WHERE bu_id = ? AND id > ? ORDER BY id LIMIT ?")
        .bind(.integer(buID), .text(after), .integer(Int64(size + 1)))
      var items: [Programme] = []
      while try rows.step() {
        items.append(Programme(id: rows.text(0), buID: rows.int(1), name: rows.text(2), createdAtMs: rows.int(3)))
      }
      return StoreRules.page(fetched: items, size: size) { Paging.token(after: $0.id) }
    }
  }

  package func searchPartners(query: String, within reach: Reach, pageSize: Int, pageToken: String) async throws -> Page<Partner> {
    let size = try Paging.size(pageSize)
    let parsed = try PartnerSearch.parse(query)
    let after = try PartnerSearch.key(fromToken: pageToken)
    return try await database.read { db in
      switch parsed {
      case .id(let id):
        let found = try Self.loadPartners(db, ids: [id]).filter { reach.contains($0.buID) }
        return Page(items: found, nextToken: "")
      case .words(let tokens):
        return try Self.search(db, tokens: tokens, reach: reach, size: size, after: after)
      }
    }
  }

  /// The upper bound of a prefix range: above every UTF-8 continuation.
  static func upper(_ prefix: String) -> String { prefix + "\u{10FFFF}" }

  static func search(_ db: SQLiteConnection, tokens: [String], reach: Reach, size: Int, after: PartnerSearch.Key?) throws -> Page<Partner> {
    var sql = """
      SELECT w.word, w.name_key, w.partner_id FROM partner_words w
      WHERE w.word >= ?1 AND w.word < ?2 AND (w.word, w.name_key, w.partner_id) > (?3, ?4, ?5)
        AND NOT EXISTS (SELECT 1 FROM partner_words e WHERE e.partner_id = w.partner_id AND e.word >= ?1 AND e.word < w.word)
      """
    var values: [SQLValue] = [
      .text(tokens[0]), .text(upper(tokens[0])), .text(after?.word ?? ""), .text(after?.nameKey ?? ""), .integer(after?.id ?? Int64.min),
    ]
    for token in tokens.dropFirst() {
      sql += " AND EXISTS (SELECT 1 FROM partner_words o WHERE o.partner_id = w.partner_id AND o.word >= ? AND o.word < ?)"
      values += [.text(token), .text(upper(token))]
    }
    if case .units(let units) = reach {
      if units.isEmpty { return Page(items: [], nextToken: "") }
      sql += " AND w.bu_id IN (\(units.map { _ in "?" }.joined(separator: ",")))"
      values += units.sorted().map { .integer($0) }
    }
    sql += " ORDER BY w.word, w.name_key, w.partner_id LIMIT ?"
    values.append(.integer(Int64(size + 1)))
    let rows = try db.prepare(sql).bind(values)
    var keys: [PartnerSearch.Key] = []
    while try rows.step() { keys.append(PartnerSearch.Key(word: rows.text(0), nameKey: rows.text(1), id: rows.int(2))) }
    let page = StoreRules.page(fetched: keys, size: size, tokenAfter: PartnerSearch.token(after:))
    let partners = Dictionary(uniqueKeysWithValues: try loadPartners(db, ids: page.items.map(\.id)).map { ($0.id, $0) })
    return Page(items: page.items.compactMap { partners[$0.id] }, nextToken: page.nextToken)
  }

  static func loadPartners(_ db: SQLiteConnection, ids: [Int64]) throws -> [Partner] {
    var result: [Partner] = []
    let row = try db.prepare("SELECT id, name, kind, bu_id, all_bus, created_at_ms FROM partners WHERE id = ?")
    let reachRows = try db.prepare("SELECT bu_id FROM partner_reach WHERE partner_id = ? ORDER BY bu_id")
    for id in ids {
      row.reset()
      guard try row.bind(.integer(id)).step() else { continue }
      let kind = Partner.Kind(storedCode: row.int(2))
      var reach = Reach.all
      if row.int(4) == 0 {
        reachRows.reset()
        try reachRows.bind(.integer(id))
        var units: Set<Int64> = []
        while try reachRows.step() { units.insert(reachRows.int(0)) }
        reach = .units(units)
      }
      result.append(Partner(id: row.int(0), name: row.text(1), kind: kind, buID: row.int(3), reach: reach, createdAtMs: row.int(5)))
    }
    return result
  }

  package func allPartners() async throws -> [Partner] {
    try await database.read { db in
      let rows = try db.prepare("SELECT id FROM partners ORDER BY id")
      var ids: [Int64] = []
      while try rows.step() { ids.append(rows.int(0)) }
      return try Self.loadPartners(db, ids: ids)
    }
  }

  static func exists(_ db: SQLiteConnection, _ sql: String, _ value: SQLValue) throws -> Bool {
    try db.prepare(sql).bind(value).step()
  }
}
