import HookwirePostgres
import Testing

@Suite("PostgreSQL URLs")
struct PostgresURLTests {
  @Test(
    "well-formed URLs give their parts, and their description hides the password",
    arguments: [
      ("postgres://alice@db.example/hookwire", "alice", nil, "db.example", 5432, "hookwire", "postgres://alice@db.example:5432/hookwire"),
      (
        "postgresql://alice:s3cret@127.0.0.1:6543/hw?sslmode=require&connect_timeout=7", "alice", "s3cret", "127.0.0.1", 6543, "hw",
        "postgres://alice:***@127.0.0.1:6543/hw?sslmode=require&connect_timeout=7"
      ),
      ("postgres://al%40ice:p%2Fw%40rd@[::1]:5433/my%20db", "al@ice", "p/w@rd", "::1", 5433, "my db", "postgres://al%40ice:***@[::1]:5433/my%20db"),
      ("postgres://u:p@ss@h/d", "u", "p@ss", "h", 5432, "d", "postgres://u:***@h:5432/d"),
      ("postgres://u:@h/d", "u", "", "h", 5432, "d", "postgres://u:***@h:5432/d"),
    ] as [(String, String, String?, String, Int, String, String)])
  func parses(text: String, user: String, password: String?, host: String, port: Int, database: String, description: String) throws {
    let url = try PostgresURL(parsing: text)
    #expect(url.user == user)
    #expect(url.password == password)
    #expect(url.host == host)
    #expect(url.port == port)
    #expect(url.database == database)
    #expect("\(url)" == description)
    #expect(String(reflecting: url) == description)
    if let password, !password.isEmpty {
      #expect(!"\(url)".contains(password))
    }
  }

  @Test("query parameters set sslmode and connect_timeout")
  func parameters() throws {
    let url = try PostgresURL(parsing: "postgres://u@h/d?sslmode=verify-full&connect_timeout=12")
    #expect(url.sslMode == .verifyFull)
    #expect(url.connectTimeout == 12)
    let plain = try PostgresURL(parsing: "postgres://u@h/d")
    #expect(plain.sslMode == nil)
    #expect(plain.connectTimeout == nil)
  }

  @Test(
    "malformed URLs are refused with a message that says what is wrong and never shows the password",
    arguments: [
      ("mysql://u:hunter2@h/d", "the database URL must start with postgres:// or postgresql://"),
      ("", "the database URL must start with postgres:// or postgresql://"),
      ("postgres://h/d", "the database URL has no user name (postgres://user@host/database)"),
      ("postgres://:hunter2@h/d", "the database URL has no user name (postgres://user@host/database)"),
      ("postgres://u:hunter2@/d", "the database URL has no host"),
      ("postgres://u:hunter2@h:0/d", "the database URL's port \"0\" is not a number from 1 to 65535"),
      ("postgres://u:hunter2@h:99999/d", "the database URL's port \"99999\" is not a number from 1 to 65535"),
      ("postgres://u:hunter2@h:abc/d", "the database URL's port \"abc\" is not a number from 1 to 65535"),
      ("postgres://u:hunter2@h:/d", "the database URL's port \"\" is not a number from 1 to 65535"),
      ("postgres://u:hunter2@[::1/d", "the database URL's IPv6 host has no closing ]"),
      ("postgres://u:hunter2@h", "the database URL has no database name (postgres://user@host/database)"),
      ("postgres://u:hunter2@h/", "the database URL has no database name (postgres://user@host/database)"),
      ("postgres://u:hunter2@h/a/b", "the database URL's database name has a /"),
      ("postgres://u:hunter2%zz@h/d", "the database URL has a % not followed by two hex digits of UTF-8"),
      ("postgres://u:hunter2%ff@h/d", "the database URL has a % not followed by two hex digits of UTF-8"),
      (
        "postgres://u:hunter2@h/d?application_name=x",
        "the database URL has an unknown parameter \"application_name\" (known: sslmode, connect_timeout)"
      ),
      ("postgres://u:hunter2@h/d?sslmode", "the database URL's parameter \"sslmode\" has no value"),
      ("postgres://u:hunter2@h/d?sslmode=require&sslmode=disable", "the database URL gives the parameter \"sslmode\" twice"),
      (
        "postgres://u:hunter2@h/d?sslmode=sometimes",
        "the database URL's sslmode \"sometimes\" is not one of disable, allow, prefer, require, verify-ca, verify-full"
      ),
      (
        "postgres://u:hunter2@h/d?connect_timeout=0",
        "the database URL's connect_timeout \"0\" is not a whole number of seconds from 1 to 3600"
      ),
      (
        "postgres://u:hunter2@h/d?connect_timeout=-5",
        "the database URL's connect_timeout \"-5\" is not a whole number of seconds from 1 to 3600"
      ),
    ])
  func refuses(text: String, message: String) {
    do {
      let url = try PostgresURL(parsing: text)
      Issue.record("parsed \(url)")
    } catch {
      #expect(error.message == message)
      #expect(!"\(error)".contains("hunter2"))
    }
  }
}
