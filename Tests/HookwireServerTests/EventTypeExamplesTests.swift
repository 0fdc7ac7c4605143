import HookwireClient
import HookwireDomain
import HookwireServer
import HookwireTestSupport
import Testing

/// The catalogue's example payloads, as integrators read them.
@Suite("Event type examples", .serialized)
struct EventTypeExamplesTests {
  @Test("ListEventTypes gives every type its catalogue example payload")
  func listedWithExamples() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let client = try deployment.client()
      teardown.add { await client.close() }
      let listed = try await Webhooks.Client(wrapping: client).listEventTypes(ListEventTypesRequest(), metadata: deployment.metadata(12345))
      #expect(listed.eventTypes.map(\.name) == EventCatalogue.all.map(\.name))
      #expect(listed.eventTypes.map(\.exampleJSON) == EventCatalogue.all.map(\.exampleJSON))
      #expect(listed.eventTypes.allSatisfy { !$0.exampleJSON.isEmpty })
    }
  }
}
