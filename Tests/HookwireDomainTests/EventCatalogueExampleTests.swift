@testable import HookwireDomain
import HookwireStore
import Testing

/// Every event type's example payload, as `ListEventTypes` shows it and a
/// test event carries it.
@Suite("Event catalogue examples")
struct EventCatalogueExampleTests {
  @Test("every type's example is a JSON object that publishing accepts for that type", arguments: EventCatalogue.all)
  func examplesArePublishable(_ type: EventTypeInfo) async throws {
    let world = try await EventPublishingTests.World()
    let event = NewEvent(
      buID: 1, programmeID: type.scope == .programme ? "prog_gold" : nil, type: type.name, payloadJSON: type.exampleJSON, eventID: "",
      idempotencyKey: "")
    try await world.publishing.check(event)
    #expect(type.exampleJSON.hasPrefix("{") && type.exampleJSON.hasSuffix("}"))
  }

  @Test("no two types share an example")
  func examplesAreDistinct() {
    #expect(Set(EventCatalogue.all.map(\.exampleJSON)).count == EventCatalogue.all.count)
  }
}
