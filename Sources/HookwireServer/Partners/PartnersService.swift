import HookwireAPI
import HookwireDomain
import HookwireRPC

/// The Partners service: who-am-i, partner search, partners, business units
/// and programmes, each within the caller's scope.
package struct PartnersService: Partners.ServiceProtocol {
  let store: any PartnerStore

  /// Creates the service over `store`.
  package init(store: any PartnerStore) { self.store = store }

  package func whoAmI(_ request: WhoAmIRequest, context: ServerContext) async throws -> WhoAmIResponse {
    let scope = try context.callerScope()
    var response = WhoAmIResponse(keyPrefix: scope.principal.keyPrefix ?? "")
    switch scope.principal.authentication {
    case .apiKey: response.authenticatedBy = .apiKey
    case .clientCertificate(let id, let match):
      response.authenticatedBy = .clientCertificate
      var identity = CertificateIdentity(id: UInt64(id))
      switch match {
      case .subject(let name): identity.subject = name.canonical
      case .uri(let uri): identity.uri = uri
      }
      response.certificateIdentity = identity
    }
    switch scope.principal {
    case .partner(let partner, _):
      response.principalKind = .partner
      response.caller = HookwireAPI.Partner(partner)
      response.actingAs = scope.actingAs.map(HookwireAPI.Partner.init)
      response.currentBUID = UInt64(scope.currentBU ?? 0)
    case .service(let name, _):
      response.principalKind = .service
      response.serviceName = name
    }
    return response
  }

  package func searchPartners(_ request: SearchPartnersRequest, context: ServerContext) async throws -> SearchPartnersResponse {
    let scope = try context.callerScope()
    try AccessControl.requireSearch(scope)
    let page = try await store.searchPartners(
      query: request.query, within: scope.searchReach, pageSize: Int(request.pageSize), pageToken: request.pageToken)
    return SearchPartnersResponse(partners: page.items.map(HookwireAPI.Partner.init), nextPageToken: page.nextToken)
  }

  package func getPartner(_ request: GetPartnerRequest, context: ServerContext) async throws -> GetPartnerResponse {
    let scope = try context.callerScope()
    _ = try AccessControl.requirePartner(scope)
    let reach = scope.actingAs == nil && scope.caller?.kind == .global ? scope.searchReach : scope.reach
    guard let partner = try await store.partner(id: Int64(clamping: request.partnerID)) else {
      throw DomainError(.notFound, "partner \(request.partnerID) does not exist")
    }
    guard reach.contains(partner.buID) else {
      throw DomainError(.forbidden, "partner \(request.partnerID) is outside your reach")
    }
    return GetPartnerResponse(partner: HookwireAPI.Partner(partner))
  }

  package func listBusinessUnits(_ request: ListBusinessUnitsRequest, context: ServerContext) async throws -> ListBusinessUnitsResponse {
    let scope = try context.callerScope()
    _ = try AccessControl.requirePartner(scope)
    let page = try await store.businessUnits(within: scope.reach, pageSize: Int(request.pageSize), pageToken: request.pageToken)
    return ListBusinessUnitsResponse(
      businessUnits: page.items.map { HookwireAPI.BusinessUnit(id: UInt64($0.id), name: $0.name, createdAtMs: $0.createdAtMs) },
      nextPageToken: page.nextToken)
  }

  package func listProgrammes(_ request: ListProgrammesRequest, context: ServerContext) async throws -> ListProgrammesResponse {
    let scope = try context.callerScope()
    _ = try AccessControl.requirePartner(scope)
    let bu = request.buID == 0 ? (scope.currentBU ?? 0) : Int64(clamping: request.buID)
    try AccessControl.requireReach(scope, bu: bu)
    let page = try await store.programmes(buID: bu, pageSize: Int(request.pageSize), pageToken: request.pageToken)
    return ListProgrammesResponse(
      programmes: page.items.map {
        HookwireAPI.Programme(id: $0.id, buID: UInt64($0.buID), name: $0.name, createdAtMs: $0.createdAtMs)
      },
      nextPageToken: page.nextToken)
  }
}

extension HookwireAPI.Partner {
  /// The wire form of a domain partner.
  init(_ partner: HookwireDomain.Partner) {
    var reachIDs: [UInt64] = []
    var all = false
    switch partner.reach {
    case .all: all = true
    case .units(let units): reachIDs = units.sorted().map { UInt64($0) }
    }
    self.init(
      id: UInt64(partner.id), name: partner.name, kind: partner.kind == .channel ? .channel : .global,
      buID: UInt64(partner.buID), reachBUIDs: reachIDs, reachesAllBUs: all, createdAtMs: partner.createdAtMs)
  }
}
