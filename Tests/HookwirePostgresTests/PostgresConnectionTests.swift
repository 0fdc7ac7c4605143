import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

@Suite("PostgreSQL connections", .enabled(if: PostgresTestServer.isAvailable))
struct PostgresConnectionTests {
  @Test("every parameter type goes in and comes back: integers, text in any script, bytea, booleans, NULL")
  func types() async throws {
    try await withDatabase { database, _ in
      let text = "Grüße, 世界 🎉 'single' \"double\" \\ back; DROP TABLE x; --"
      let bytes: [UInt8] = [0, 1, 0x5C, 0x78, 0x7F, 0x80, 0xFF, 0]
      try await database.write { connection in
        try connection.execute("CREATE TABLE cells (i bigint, s text, b bytea, f boolean, n bigint, small integer)")
        try connection.query(
          "INSERT INTO cells VALUES ($1, $2, $3, $4, $5, $6)", .integer(.min), .text(text), .bytes(bytes), .bool(true), .null, .integer(42))
        try connection.query(
          "INSERT INTO cells VALUES ($1, $2, $3, $4, $5, $6)", .integer(.max), .text(""), .bytes([]), .bool(false), .integer(-1), .null)
      }
      let rows = try await database.read { connection in try connection.query("SELECT i, s, b, f, n, small FROM cells ORDER BY i") }
      #expect(rows.count == 2)
      #expect(rows.columns == ["i", "s", "b", "f", "n", "small"])
      let first = rows[0]
      #expect(try first.int(0) == .min)
      #expect(try first.text(1) == text)
      #expect(try first.bytes(2) == bytes)
      #expect(try first.bool(3) == true)
      #expect(first.isNull(4))
      #expect(try first.optionalInt(4) == nil)
      #expect(try first.int(5) == 42)
      let second = rows[1]
      #expect(try second.int(0) == .max)
      #expect(try second.text(1) == "")
      #expect(!second.isNull(1))
      #expect(try second.bytes(2) == [])
      #expect(try second.bool(3) == false)
      #expect(try second.optionalInt(4) == -1)
      #expect(try second.optionalText(5) == nil)
      #expect(rows.column(named: "b") == 2)
    }
  }

  @Test("reading NULL or the wrong type as a value is an error, not a made-up value")
  func strictAccessors() async throws {
    try await withDatabase { database, _ in
      let row = try await database.read { connection in
        try connection.query("SELECT NULL::bigint AS missing, 'x'::text AS word, $1::bytea AS raw", .bytes([1]))[0]
      }
      #expect(throws: StoreError.self) { try row.int(0) }
      #expect(throws: StoreError.self) { try row.int(1) }
      #expect(throws: StoreError.self) { try row.bytes(1) }
      #expect(throws: StoreError.self) { try row.bool(2) }
      #expect(throws: StoreError.self) { try row.text(9) }
      #expect(try row.bytes(2) == [1])
    }
  }

  @Test("text with a NUL is refused, not cut short")
  func nulInText() async throws {
    try await withDatabase { database, _ in
      do {
        _ = try await database.read { connection in try connection.query("SELECT $1::text", .text("before\0after")) }
        Issue.record("the text was sent")
      } catch let error as StoreError {
        #expect(error.message == "parameter $1 is text with a NUL character, which PostgreSQL cannot store")
      }
    }
  }

  @Test("rows touched are counted, and parameters are never SQL")
  func affectedRows() async throws {
    try await withDatabase { database, _ in
      let (inserted, updated, names) = try await database.write { connection in
        try connection.execute("CREATE TABLE names (id bigint PRIMARY KEY, name text NOT NULL)")
        let inserted = try connection.query(
          "INSERT INTO names SELECT g, 'n' || g FROM generate_series(1, $1::bigint) AS g", .integer(5)
        ).affectedRows
        let updated = try connection.query("UPDATE names SET name = $1 WHERE id > $2", .text("x'); DELETE FROM names; --"), .integer(3))
          .affectedRows
        let names = try connection.query("SELECT name FROM names ORDER BY id").map { try $0.text(0) }
        return (inserted, updated, names)
      }
      #expect(inserted == 5)
      #expect(updated == 2)
      #expect(names == ["n1", "n2", "n3", "x'); DELETE FROM names; --", "x'); DELETE FROM names; --"])
    }
  }

  @Test("a unique violation is a constraint error naming SQLSTATE 23505, without the key's value")
  func uniqueViolation() async throws {
    try await withDatabase { database, _ in
      try await database.write { connection in
        try connection.execute("CREATE TABLE keys (prefix text PRIMARY KEY)")
        try connection.query("INSERT INTO keys VALUES ($1)", .text("hw_secret_prefix_42"))
      }
      do {
        try await database.write { connection in
          try connection.query("INSERT INTO keys VALUES ($1)", .text("hw_secret_prefix_42"))
        }
        Issue.record("the duplicate was accepted")
      } catch let error as StoreError {
        #expect(error.code == .constraint)
        #expect(error.message.contains("23505"))
        #expect(error.message.contains("keys_pkey"))
        #expect(!error.message.contains("hw_secret_prefix_42"))
      }
    }
  }

  @Test("a value the server cannot read is refused without repeating it")
  func dataExceptionHidesValue() async throws {
    try await withDatabase { database, _ in
      do {
        _ = try await database.read { connection in try connection.query("SELECT $1::bigint", .text("not-a-number-secret")) }
        Issue.record("the value was read")
      } catch let error as StoreError {
        #expect(error.code == .internal)
        #expect(error.message.contains("22P02"))
        #expect(!error.message.contains("not-a-number-secret"))
      }
    }
  }

  @Test(
    "SQLSTATEs raised by the server map to store codes",
    arguments: [
      ("23505", StoreError.Code.constraint), ("23503", .constraint), ("23502", .constraint), ("40001", .retryable), ("40P01", .retryable),
      ("57P01", .unavailable), ("08006", .unavailable), ("53300", .unavailable), ("42P01", .internal), ("P0001", .internal),
    ])
  func sqlStates(state: String, code: StoreError.Code) async throws {
    try await withDatabase { database, _ in
      do {
        try await database.write { connection in
          try connection.execute("DO $$ BEGIN RAISE EXCEPTION 'raised on purpose' USING ERRCODE = '\(state)'; END $$")
        }
        Issue.record("nothing was raised")
      } catch let error as StoreError {
        #expect(error.code == code)
        #expect(error.message == "raised on purpose (SQLSTATE \(state))")
      }
      #expect(PostgresErrorMapping.code(forSQLState: state) == code)
    }
  }

  @Test("transactions and savepoints on a bare connection commit, roll back, and undo only their own part")
  func transactions() async throws {
    try await withDatabase { database, _ in
      let ids = try await database.withConnection { connection in
        try connection.execute("CREATE TABLE log (id bigint PRIMARY KEY)")
        try connection.transaction { try connection.query("INSERT INTO log VALUES (1)") }
        struct Undo: Error {}
        _ = try? connection.transaction {
          try connection.query("INSERT INTO log VALUES (2)")
          throw Undo()
        }
        try connection.transaction {
          try connection.query("INSERT INTO log VALUES (3)")
          _ = try? connection.savepoint { try connection.query("INSERT INTO log VALUES (1)") }
          try connection.query("INSERT INTO log VALUES (4)")
        }
        #expect(!connection.inTransaction)
        return try connection.query("SELECT id FROM log ORDER BY id").map { try $0.int(0) }
      }
      #expect(ids == [1, 3, 4])
    }
  }

  @Test("a database nobody listens on fails work promptly as unavailable, and the message hides the password")
  func nobodyListening() async throws {
    let url = try PostgresURL(parsing: "postgres://hookwire:hunter2@127.0.0.1:1/hookwire")
    let database = PostgresDatabase(url: url, writers: 1, readers: 1)
    let started = ContinuousClock.now
    do {
      try await database.write { _ in }
      Issue.record("the write succeeded")
    } catch let error as StoreError {
      #expect(error.code == .unavailable)
      #expect(error.message.contains("127.0.0.1:1"))
      #expect(!error.message.contains("hunter2"))
    }
    await #expect(throws: StoreError.self) { try await database.read { _ in } }
    // The refusal itself takes milliseconds; the bound leaves room for a loaded machine's scheduling.
    #expect(started.duration(to: .now) < .seconds(10))
    await database.close()
    await #expect(throws: StoreError.self) { try await database.write { _ in } }
  }
}
