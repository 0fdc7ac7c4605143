import Foundation
import HookwireDomain
import HookwireStore

/// Partner search on a fresh SQLite database of generated partners: name
/// prefix queries (one page of 20) and id queries, through the store's
/// reader threads, one query at a time.
enum SearchBench {
  static let first = [
    "acme", "blue", "bright", "central", "coastal", "crown", "delta", "eagle", "east", "emerald", "first", "global",
    "golden", "grand", "green", "harbor", "horizon", "iron", "liberty", "lunar", "maple", "metro", "noble", "north",
    "nova", "ocean", "orchid", "pacific", "peak", "pioneer", "prime", "royal", "sapphire", "silver", "solar", "south",
    "summit", "sun", "united", "urban", "vertex", "vista", "west", "zenith", "alpine", "amber", "atlas", "aurora",
  ]
  static let second = [
    "air", "bank", "books", "cafe", "cars", "cinema", "coffee", "dining", "energy", "fashion", "fitness", "fuel",
    "gaming", "grocery", "health", "hotels", "insurance", "jewels", "kitchen", "market", "media", "motors", "music",
    "outdoor", "pharmacy", "pets", "rail", "resorts", "retail", "sports", "stores", "telecom", "tickets", "tours",
    "toys", "travel", "wellness", "wines", "airlines", "bakery", "cruises", "electronics", "florist", "garden",
  ]
  static let third = ["rewards", "loyalty", "club", "partners", "group", "holdings", "ltd", "inc", "plc", "gmbh", "co", "points"]

  static func run(_ options: BenchOptions) async {
    let count = options.int("partners", default: 1_000_000)
    let queries = options.int("queries", default: 2_000)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-bench-search-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      let database = try Database(path: directory.appendingPathComponent("hookwire.sqlite").path, migrations: DatabaseMigrations.migrations)
      defer { database.close() }
      let store = SQLitePartnerStore(database: database)
      var units: [Int64] = []
      for index in 0..<50 { units.append(try await store.createBusinessUnit(name: "Business unit \(index)").id) }
      var rng = SystemRandomNumberGenerator()
      let started = ContinuousClock.now
      var batch: [(name: String, kind: Partner.Kind, buID: Int64, reach: Reach)] = []
      batch.reserveCapacity(count)
      for _ in 0..<count {
        let name = "\(pick(first, &rng).capitalized) \(pick(second, &rng).capitalized) \(pick(third, &rng).capitalized)"
        let bu = pick(units, &rng)
        batch.append((name, .channel, bu, .units([bu])))
      }
      try await store.importPartners(batch)
      let loadSeconds = (ContinuousClock.now - started).seconds
      print(String(format: "search op=load partners=%d seconds=%.1f", count, loadSeconds))

      // Name prefixes of 3 to 6 letters of a first or second word, sometimes two words.
      var nameLatencies: [Double] = []
      var returned = 0
      for index in 0..<queries {
        let word = pick(index % 2 == 0 ? first : second, &rng)
        var query = String(word.prefix(Int.random(in: 3...min(6, word.count), using: &rng)))
        if index % 5 == 0 { query += " " + String(pick(third, &rng).prefix(2)) }
        let t0 = ContinuousClock.now
        let page = try await store.searchPartners(query: query, within: .all, pageSize: 20, pageToken: "")
        nameLatencies.append((ContinuousClock.now - t0).seconds * 1e6)
        returned += page.items.count
      }
      // The same queries by a global partner reaching 2 of the 50 units.
      var reachLatencies: [Double] = []
      let reach = Reach.units([units[0], units[1]])
      for index in 0..<queries {
        let word = pick(index % 2 == 0 ? first : second, &rng)
        let query = String(word.prefix(Int.random(in: 3...min(6, word.count), using: &rng)))
        let t0 = ContinuousClock.now
        _ = try await store.searchPartners(query: query, within: reach, pageSize: 20, pageToken: "")
        reachLatencies.append((ContinuousClock.now - t0).seconds * 1e6)
      }
      var idLatencies: [Double] = []
      for _ in 0..<queries {
        let id = Int64.random(in: 10_001...Int64(10_000 + count), using: &rng)
        let t0 = ContinuousClock.now
        _ = try await store.searchPartners(query: String(id), within: .all, pageSize: 20, pageToken: "")
        idLatencies.append((ContinuousClock.now - t0).seconds * 1e6)
      }
      report("name_prefix", nameLatencies, extra: String(format: " mean_results=%.1f", Double(returned) / Double(queries)), partners: count)
      report("name_prefix_reach_2_of_50", reachLatencies, extra: "", partners: count)
      report("id", idLatencies, extra: "", partners: count)
    } catch {
      print("search error=\"\(error)\"")
    }
  }

  static func pick<T>(_ items: [T], _ rng: inout SystemRandomNumberGenerator) -> T {
    items[Int.random(in: items.indices, using: &rng)]
  }

  static func report(_ kind: String, _ latencies: [Double], extra: String, partners: Int) {
    let sorted = latencies.sorted()
    func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
    print(String(format: "search op=%@ partners=%d queries=%d p50_us=%.0f p99_us=%.0f max_us=%.0f", kind, partners, sorted.count, percentile(0.5), percentile(0.99), sorted.last ?? 0) + extra)
  }
}

extension Duration {
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
