import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

@Suite("PostgreSQL LISTEN/NOTIFY", .enabled(if: PostgresTestServer.isAvailable))
struct ListenerTests {
  @Test("a NOTIFY sent on one connection reaches a listener on another, after COMMIT and not after ROLLBACK")
  func delivers() async throws {
    try await withDatabase { database, url in
      let events = EventLog<PostgresListener.Event>()
      let listener = PostgresListener(url: url, channels: ["webhooks", "Mixed Case"], onEvent: events.append)
      #expect(await events.first(within: .seconds(5)) { $0 == .listening } != nil)

      struct Undo: Error {}
      await #expect(throws: Undo.self) {
        try await database.write { connection in
          try connection.notify(channel: "webhooks", payload: "rolled back")
          throw Undo()
        }
      }
      try await database.write { connection in try connection.notify(channel: "webhooks", payload: "wh_1 changed: ünïcode ✓") }
      try await database.write { connection in try connection.notify(channel: "Mixed Case", payload: "") }
      let first = await events.first(within: .seconds(5)) { if case .notification = $0 { true } else { false } }
      #expect(first == .notification(channel: "webhooks", payload: "wh_1 changed: ünïcode ✓"))
      #expect(await events.first(within: .seconds(5)) { $0 == .notification(channel: "Mixed Case", payload: "") } != nil)
      #expect(!events.events.contains(.notification(channel: "webhooks", payload: "rolled back")))
      await listener.close()
    }
  }

  @Test("a listener tells of the lost connection, reconnects after the server restarts, says so, and delivers again")
  func reconnects() async throws {
    try await withTeardown { teardown in
      let server = try await PostgresTestServer.start()
      teardown.add { await server.remove() }
      let url = try PostgresURL(parsing: try await server.makeDatabase())
      let database = PostgresDatabase(url: url, writers: 1, readers: 1)
      teardown.add { await database.close() }
      let events = EventLog<PostgresListener.Event>()
      let listener = PostgresListener(url: url, channels: ["cache"], onEvent: events.append)
      teardown.add { await listener.close() }
      #expect(await events.first(within: .seconds(5)) { $0 == .listening } != nil)

      try await server.restart()
      let lost = await events.first(within: .seconds(5)) { if case .disconnected = $0 { true } else { false } }
      #expect(lost != nil)
      #expect(await events.first(within: .seconds(10)) { $0 == .reconnected } != nil)
      let sent = await OutageTests.eventually(within: .seconds(10)) {
        try await database.write { connection in
          try connection.notify(channel: "cache", payload: "after restart")
          return true
        }
      }
      #expect(sent != nil)
      #expect(await events.first(within: .seconds(5)) { $0 == .notification(channel: "cache", payload: "after restart") } != nil)
    }
  }
}
