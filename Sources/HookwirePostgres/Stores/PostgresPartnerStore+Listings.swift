import HookwireDomain
import HookwireStore

/// Listings and search in PostgreSQL. Text columns compared here are
/// `COLLATE "C"`, byte order, as SQLite's BINARY compares, so pages and
/// ranks come out as the other stores' do.
///
/// Search runs on `partner_words`, one row per distinct word of a partner's
/// name, keyed `(word, name_key, partner_id)`: a name-prefix query is a
/// range scan in rank order that stops after one page, whatever the table's
/// size; the page's partners are then read in one statement.
extension PostgresPartnerStore {
  package func businessUnits(within reach: Reach, pageSize: Int, pageToken: String) async throws -> Page<BusinessUnit> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken).map { Int64($0) ?? .max } ?? 0
    if case .units(let units) = reach, units.isEmpty { return Page(items: [], nextToken: "") }
    return try await database.read { connection in
      var sql = "SELECT id, name, created_at_ms FROM business_units WHERE id > $1"
      var values: [PostgresValue] = [.integer(after), .integer(Int64(size + 1))]
      if case .units(let units) = reach {
        sql += " AND id = ANY($3::bigint[])"
        values.append(.text(Self.bigintArray(units)))
      }
      let items = try connection.query(sql + " ORDER BY id LIMIT $2", values).map(Self.businessUnit)
      return StoreRules.page(fetched: items, size: size) { Paging.token(after: String($0.id)) }
    }
  }

  package func programmes(buID: Int64, pageSize: Int, pageToken: String) async throws -> Page<Programme> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken) ?? ""
    // Issued tokens hold programme ids, which never have a NUL (nor may PostgreSQL's text).
    guard !after.utf8.contains(0) else { throw DomainError(.invalid, "the page token is not one this server issued") }
    return try await database.read { connection in
      let items = try connection.query(
        "SELECT id, bu_id, name, created_at_ms FROM programmes WHERE bu_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        .integer(buID), .text(after), .integer(Int64(size + 1))
      ).map(Self.programme)
      return StoreRules.page(fetched: items, size: size) { Paging.token(after: $0.id) }
    }
  }

  package func searchPartners(query: String, within reach: Reach, pageSize: Int, pageToken: String) async throws -> Page<Partner> {
    let size = try Paging.size(pageSize)
    let parsed = try PartnerSearch.parse(query)
    let after = try PartnerSearch.key(fromToken: pageToken)
    if let after, (after.word + after.nameKey).utf8.contains(0) {
      throw DomainError(.invalid, "the page token is not one this server issued")
    }
    return try await database.read { connection in
      switch parsed {
      case .id(let id):
        return Page(items: try Self.loadPartners(connection, ids: [id]).filter { reach.contains($0.buID) }, nextToken: "")
      case .words(let tokens):
        return try Self.search(connection, tokens: tokens, reach: reach, size: size, after: after)
      }
    }
  }

  /// The upper bound of a prefix range: above every UTF-8 continuation.
  static func upper(_ prefix: String) -> String { prefix + "\u{10FFFF}" }

  /// One page of the partners matching every token within `reach`, in rank order after `after`.
  static func search(_ connection: PostgresConnection, tokens: [String], reach: Reach, size: Int, after: PartnerSearch.Key?) throws -> Page<Partner> {
    if case .units(let units) = reach, units.isEmpty { return Page(items: [], nextToken: "") }
    var sql = """
      SELECT w.word, w.name_key, w.partner_id FROM partner_words w
      WHERE w.word >= $1 AND w.word < $2 AND (w.word, w.name_key, w.partner_id) > ($3, $4, $5)
        AND NOT EXISTS (SELECT 1 FROM partner_words e WHERE e.partner_id = w.partner_id AND e.word >= $1 AND e.word < w.word)
      """
    var values: [PostgresValue] = [
      .text(tokens[0]), .text(upper(tokens[0])), .text(after?.word ?? ""), .text(after?.nameKey ?? ""), .integer(after?.id ?? .min),
      .integer(Int64(size + 1)),
    ]
    for token in tokens.dropFirst() {
      sql += " AND EXISTS (SELECT 1 FROM partner_words o WHERE o.partner_id = w.partner_id AND o.word >= $\(values.count + 1) AND o.word < $\(values.count + 2))"
      values += [.text(token), .text(upper(token))]
    }
    if case .units(let units) = reach {
      sql += " AND w.bu_id = ANY($\(values.count + 1)::bigint[])"
      values.append(.text(bigintArray(units)))
    }
    let keys = try connection.query(sql + " ORDER BY w.word, w.name_key, w.partner_id LIMIT $6", values).map { row in
      PartnerSearch.Key(word: try row.text(0), nameKey: try row.text(1), id: try row.int(2))
    }
    let page = StoreRules.page(fetched: keys, size: size, tokenAfter: PartnerSearch.token(after:))
    let partners = Dictionary(uniqueKeysWithValues: try loadPartners(connection, ids: page.items.map(\.id)).map { ($0.id, $0) })
    return Page(items: page.items.compactMap { partners[$0.id] }, nextToken: page.nextToken)
  }

  /// The partners with `ids` that exist, in one statement, in no order.
  static func loadPartners(_ connection: PostgresConnection, ids: [Int64]) throws -> [Partner] {
    guard !ids.isEmpty else { return [] }
    return try connection.query("SELECT \(partnerColumns) FROM partners p WHERE p.id = ANY($1::bigint[])", .text(bigintArray(ids)))
      .map { try partner($0, from: 0) }
  }

  /// A partner's columns (`partners p`), its reach folded into one text of
  /// comma-separated unit ids; `partner(_:from:)` reads them back.
  static let partnerColumns = """
    p.id, p.name, p.kind, p.bu_id, p.all_bus, p.created_at_ms,
    (SELECT string_agg(r.bu_id::text, ',' ORDER BY r.bu_id) FROM partner_reach r WHERE r.partner_id = p.id)
    """

  /// The partner in `partnerColumns` starting at column `first`.
  static func partner(_ row: PostgresRow, from first: Int) throws -> Partner {
    var reach = Reach.all
    if try !row.bool(first + 4) {
      let listed = try row.optionalText(first + 6) ?? ""
      var units: Set<Int64> = []
      for unit in listed.split(separator: ",") {
        guard let id = Int64(unit) else { throw StoreError(.internal, "a partner's reach lists '\(unit.prefix(20))', not a unit id") }
        units.insert(id)
      }
      reach = .units(units)
    }
    return Partner(
      id: try row.int(first), name: try row.text(first + 1), kind: Partner.Kind(storedCode: try row.int(first + 2)),
      buID: try row.int(first + 3), reach: reach, createdAtMs: try row.int(first + 5))
  }

  /// A business unit from `id, name, created_at_ms`.
  static func businessUnit(_ row: PostgresRow) throws -> BusinessUnit {
    BusinessUnit(id: try row.int(0), name: try row.text(1), createdAtMs: try row.int(2))
  }

  /// A programme from `id, bu_id, name, created_at_ms`.
  static func programme(_ row: PostgresRow) throws -> Programme {
    Programme(id: try row.text(0), buID: try row.int(1), name: try row.text(2), createdAtMs: try row.int(3))
  }
}
