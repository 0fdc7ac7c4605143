/// Who a call acts for and what it reaches, decided once per call.
public struct CallerScope: Sendable, Equatable {
  /// The key's holder.
  public var principal: Principal
  /// The partner being acted as, for a global partner that names one.
  public var actingAs: Partner?

  /// The partner that owns the key, if a partner does.
  public var caller: Partner? {
    if case .partner(let partner, _) = principal { return partner }
    return nil
  }

  /// The business unit the dashboard works on: the acted-as partner's, else the caller's own.
  public var currentBU: Int64? { actingAs?.buID ?? caller?.buID }

  /// What dashboard operations may touch: the acted-as partner's business
  /// unit only; otherwise the caller's reach.
  public var reach: Reach {
    if let actingAs { return .units([actingAs.buID]) }
    return caller?.reach ?? .units([])
  }

  /// What partner search may return: the real caller's own reach.
  public var searchReach: Reach { caller?.reach ?? .units([]) }
}

/// The access rules of the partner dashboard.
public enum AccessControl {
  /// Resolves the scope of a call by `principal`, acting as `actAs` if given.
  public static func scope(for principal: Principal, actingAs actAs: Int64?, store: any PartnerStore) async throws -> CallerScope {
    guard let actAs else { return CallerScope(principal: principal, actingAs: nil) }
    guard case .partner(let caller, _) = principal else {
      throw DomainError(.permissionDenied, "service keys cannot act as a partner")
    }
    guard caller.kind == .global else {
      throw DomainError(.permissionDenied, "channel partners cannot act as another partner")
    }
    guard let target = try await store.partner(id: actAs) else {
      throw DomainError(.notFound, "partner \(actAs) does not exist")
    }
    guard caller.reach.contains(target.buID) else {
      throw DomainError(.permissionDenied, "partner \(actAs) is outside your reach")
    }
    return CallerScope(principal: principal, actingAs: target)
  }

  /// Partner search is for global partners.
  public static func requireSearch(_ scope: CallerScope) throws {
    guard let caller = scope.caller, caller.kind == .global else {
      throw DomainError(.permissionDenied, "only global partners can search partners")
    }
  }

  /// The call must be made with a partner key.
  public static func requirePartner(_ scope: CallerScope) throws -> Partner {
    guard let caller = scope.caller else { throw DomainError(.permissionDenied, "this needs a partner's API key") }
    return caller
  }

  /// `bu` must be within the scope's reach.
  public static func requireReach(_ scope: CallerScope, bu: Int64) throws {
    guard scope.reach.contains(bu) else {
      throw DomainError(.permissionDenied, "business unit \(bu) is outside your reach")
    }
  }
}
