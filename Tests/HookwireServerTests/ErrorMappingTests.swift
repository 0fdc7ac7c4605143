import HookwireDomain
import HookwireRPC
import HookwireWire
import HookwireStore
import HookwireServer
import Testing

/// Domain and storage failures become the statuses clients have always
/// seen, through the one mapping.
@Suite("Error mapping")
struct ErrorMappingTests {
  @Test("each domain error code reaches the client as its status, message unchanged", arguments: [
    (DomainError.Code.invalid, StatusCode.invalidArgument), (.notFound, .notFound), (.conflict, .alreadyExists),
    (.forbidden, .permissionDenied), (.unauthenticated, .unauthenticated), (.precondition, .failedPrecondition),
    (.staleVersion, .aborted), (.unavailable, .unavailable),
  ] as [(DomainError.Code, StatusCode)])
  func domainCodes(code: DomainError.Code, status: StatusCode) {
    let error = DomainError(code, "what happened").rpcError
    #expect(error.code == status)
    #expect(error.message == "what happened")
  }

  @Test("each storage error code reaches the client as its status, marked as storage's", arguments: [
    (StoreError.Code.notFound, StatusCode.notFound), (.constraint, .alreadyExists), (.schemaTooNew, .failedPrecondition),
    (.io, .unavailable), (.internal, .internal),
  ] as [(StoreError.Code, StatusCode)])
  func storeCodes(code: StoreError.Code, status: StatusCode) {
    let error = StoreError(code, "disk I/O error").rpcError
    #expect(error.code == status)
    #expect(error.message == "storage: disk I/O error")
  }
}
