/// Business units, programmes, partners and API keys: what the dashboard's
/// partner side needs. A SQLite implementation serves the server; an
/// in-memory one serves fast tests; both follow the same rules.
package protocol PartnerStore: Sendable {
  func createBusinessUnit(name: String) async throws -> BusinessUnit
  func createProgramme(buID: Int64, name: String, id: String?) async throws -> Programme
  /// Creates a partner; `id` nil picks the next free id.
  func createPartner(id: Int64?, name: String, kind: Partner.Kind, buID: Int64, reach: Reach) async throws -> Partner
  /// Creates a key and returns its plaintext, which is stored only as a hash.
  func createAPIKey(for owner: KeyOwner) async throws -> NewAPIKey
  /// Revokes the key with `prefix`; NOT_FOUND if there is none.
  func revokeAPIKey(prefix: String) async throws
  /// The key's principal, or nil for an unknown, malformed or revoked key;
  /// records the key's last use.
  func authenticate(key: String) async throws -> Principal?
  func partner(id: Int64) async throws -> Partner?
  func businessUnit(id: Int64) async throws -> BusinessUnit?
  func programme(id: String) async throws -> Programme?
  func businessUnits(within reach: Reach, pageSize: Int, pageToken: String) async throws -> Page<BusinessUnit>
  func programmes(buID: Int64, pageSize: Int, pageToken: String) async throws -> Page<Programme>
  /// Partners by exact id (all digits) or by name word prefixes, ranked, within `reach`.
  func searchPartners(query: String, within reach: Reach, pageSize: Int, pageToken: String) async throws -> Page<Partner>
  func allPartners() async throws -> [Partner]
}
