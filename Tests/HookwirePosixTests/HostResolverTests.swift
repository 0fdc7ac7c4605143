import Foundation
import Glibc
import HookwirePosix
import Synchronization
import Testing

/// The resolver's threads, queue, sharing and cache, with a scripted lookup
/// in place of `getaddrinfo`. A lookup that must stay in progress blocks its
/// resolver thread (never a test's or the pool's) on a `Latch`.
///
/// Where a test needs several lookups registered with the resolver before
/// it acts, it starts them as tasks on an event loop, in order: each runs on
/// the loop's thread until it suspends inside `resolve` (registered), before
/// the next job starts.
@Suite("Host resolver")
struct HostResolverTests {
  /// A condition a resolver thread waits on until the test opens it.
  final class Latch: @unchecked Sendable {
    // Unchecked: `opened` is read and written only under `condition`.
    private let condition = NSCondition()
    private var opened = false

    func open() {
      condition.lock()
      opened = true
      condition.broadcast()
      condition.unlock()
    }

    /// Waits until opened (at most 30 s, so a broken test ends).
    func wait() {
      let deadline = Date().addingTimeInterval(30)
      condition.lock()
      while !opened && condition.wait(until: deadline) {}
      condition.unlock()
    }
  }

  /// A lookup that records each call and its thread, and answers from `answer`.
  final class ScriptedLookup: Sendable {
    struct Call: Sendable {
      var name: String
      var thread: pthread_t
      var onLoop: Bool
    }

    let calls = Mutex<[Call]>([])
    let latch: Latch?
    let loop: EventLoop?
    let answer: @Sendable (String, Int) -> Result<[PeerAddress], ResolutionError>

    /// `answer` gets the name and the call's number for that name (from 1); with a
    /// `latch`, every lookup waits for it to open first.
    init(
      latch: Latch? = nil, loop: EventLoop? = nil,
      answer: @escaping @Sendable (String, Int) -> Result<[PeerAddress], ResolutionError> = { _, number in
        .success([ScriptedLookup.address(number)])
      }
    ) {
      self.latch = latch
      self.loop = loop
      self.answer = answer
    }

    var count: Int { calls.withLock { $0.count } }
    func count(of name: String) -> Int { calls.withLock { $0.filter { $0.name == name }.count } }

    var function: HostResolver.Lookup {
      { [self] name in
        let number = calls.withLock { calls in
          calls.append(Call(name: name, thread: pthread_self(), onLoop: loop?.inEventLoop ?? false))
          return calls.filter { $0.name == name }.count
        }
        latch?.wait()
        return answer(name, number)
      }
    }

    /// 10.0.0.`number`: each answer tells which lookup of its name it was.
    static func address(_ number: Int) -> PeerAddress { PeerAddress(family: .ipv4, bytes: [10, 0, 0, UInt8(number % 256)]) }
  }

  /// Results of lookups started in tasks, by label.
  final class Results: Sendable {
    let values = Mutex<[String: Result<[PeerAddress], ResolutionError>]>([:])
    subscript(label: String) -> Result<[PeerAddress], ResolutionError>? { values.withLock { $0[label] } }
    func set(_ label: String, _ result: Result<[PeerAddress], ResolutionError>) { values.withLock { $0[label] = result } }
  }

  /// Starts `bodies` as tasks on `loop`, in order (see the suite's comment).
  static func startInOrder(on loop: EventLoop, _ bodies: [@Sendable () async -> Void]) -> [Task<Void, Never>] {
    bodies.map { body in Task(executorPreference: loop) { await body() } }
  }

  /// Waits until `condition` holds (at most 30 s); returns whether it did.
  static func waitUntil(_ condition: () -> Bool) async -> Bool {
    let end = ContinuousClock.now + .seconds(30)
    while !condition() {
      guard ContinuousClock.now < end else { return false }
      try? await Task.sleep(for: .milliseconds(5))
    }
    return true
  }

  @Test("an address literal is its own answer, without a lookup", arguments: [
    ("127.0.0.1", "127.0.0.1"), ("::1", "::1"), ("[::1]", "::1"), ("2001:db8::7", "2001:db8::7"),
  ])
  func literalNeedsNoLookup(_ host: String, _ address: String) async {
    let lookup = ScriptedLookup()
    let resolver = HostResolver(threads: 1, lookup: lookup.function)
    defer { resolver.shutdown() }
    let result = await resolver.resolve(host)
    #expect(result == .success([PeerAddress(address)].compactMap { $0 }))
    #expect(lookup.count == 0, "a literal was looked up")
  }

  @Test("concurrent lookups of one name share one lookup call")
  func concurrentLookupsShareOneCall() async throws {
    let loop = try EventLoop(name: "resolver-callers")
    defer { loop.shutdown() }
    let latch = Latch()
    let lookup = ScriptedLookup(latch: latch)
    // No cache: a caller arriving after the lookup would look up again.
    let resolver = HostResolver(threads: 2, cacheLifetime: .zero, lookup: lookup.function)
    defer { resolver.shutdown() }
    let results = Results()
    var bodies: [@Sendable () async -> Void] = (0..<8).map { index in
      { results.set("\(index)", await resolver.resolve("hooks.example")) }
    }
    // Runs once all eight are waiting on the one lookup.
    bodies.append { latch.open() }
    for task in Self.startInOrder(on: loop, bodies) { await task.value }
    #expect(lookup.count == 1, "\(lookup.count) lookups for eight concurrent callers")
    for index in 0..<8 {
      #expect(results["\(index)"] == .success([ScriptedLookup.address(1)]), "caller \(index)")
    }
  }

  @Test("an answer is reused for the cache lifetime, and looked up again once it has passed")
  func answersAreCachedForTheirLifetime() async {
    let lifetime = Duration.seconds(1)
    let lookup = ScriptedLookup()
    let resolver = HostResolver(threads: 1, cacheLifetime: lifetime, lookup: lookup.function)
    defer { resolver.shutdown() }
    // Before the first lookup, so before its answer's lifetime starts.
    let answered = ContinuousClock.now
    #expect(await resolver.resolve("hooks.example") == .success([ScriptedLookup.address(1)]))
    let again = await resolver.resolve("hooks.example")
    // Only meaningful while the lifetime surely lasts (a starved test may get here later).
    if ContinuousClock.now - answered < lifetime {
      #expect(again == .success([ScriptedLookup.address(1)]))
      #expect(lookup.count(of: "hooks.example") == 1, "a cached answer was looked up again")
    }
    // Another name has an entry of its own.
    #expect(await resolver.resolve("other.example") == .success([ScriptedLookup.address(1)]))
    // A starved test may already have seen the answer expire once (`again`
    // looked up anew); wait for the answer after the one seen last.
    let seen = lookup.count(of: "hooks.example")
    var latest = await resolver.resolve("hooks.example")
    while latest == .success([ScriptedLookup.address(seen)]) && ContinuousClock.now - answered < .seconds(30) {
      try? await Task.sleep(for: .milliseconds(20))
      latest = await resolver.resolve("hooks.example")
    }
    let kept = ContinuousClock.now - answered
    #expect(latest == .success([ScriptedLookup.address(seen + 1)]), "the answer was never looked up again")
    #expect(kept >= lifetime, "the answer was dropped after \(kept), before its 1 s lifetime")
    #expect(lookup.count(of: "hooks.example") == seen + 1 && lookup.count(of: "other.example") == 1)
  }

  @Test("a full table drops its expired answers first, keeping the live ones")
  func fullTableDropsExpiredAnswersFirst() async {
    let lookup = ScriptedLookup()
    let lifetime = Duration.milliseconds(500)
    let resolver = HostResolver(threads: 1, cacheLifetime: lifetime, cacheLimit: 4, lookup: lookup.function)
    defer { resolver.shutdown() }
    for name in ["old1", "old2"] { _ = await resolver.resolve(name) }
    try? await Task.sleep(for: .milliseconds(600))
    let live = ContinuousClock.now
    for name in ["live1", "live2", "live3"] { _ = await resolver.resolve(name) }
    // The table is full (two expired, two live): the third live answer goes in, the live ones stay.
    let calls = lookup.count
    for name in ["live1", "live2", "live3"] { _ = await resolver.resolve(name) }
    // Only meaningful while the live answers surely last (a starved test may get here later).
    if ContinuousClock.now - live < lifetime {
      #expect(lookup.count == calls, "\(lookup.count - calls) live answers were dropped while expired ones could go")
    }
    #expect(calls == 5)
  }

  @Test("a failed lookup is not cached: the next resolve looks the name up again", arguments: [
    ResolutionError.Kind.notFound, .temporary,
  ])
  func failuresAreNotCached(_ kind: ResolutionError.Kind) async {
    let failure = ResolutionError(kind, "cannot resolve hooks.example")
    let lookup = ScriptedLookup { _, number in number == 1 ? .failure(failure) : .success([ScriptedLookup.address(number)]) }
    let resolver = HostResolver(threads: 1, lookup: lookup.function)
    defer { resolver.shutdown() }
    #expect(await resolver.resolve("hooks.example") == .failure(failure))
    #expect(await resolver.resolve("hooks.example") == .success([ScriptedLookup.address(2)]))
    #expect(lookup.count == 2)
  }

  @Test("with every thread busy and the queue full, a new name fails at once as temporary; a name already waiting is joined")
  func fullQueueFailsAtOnce() async throws {
    let loop = try EventLoop(name: "resolver-callers")
    defer { loop.shutdown() }
    let latch = Latch()
    let lookup = ScriptedLookup(latch: latch)
    let resolver = HostResolver(threads: 1, queueLimit: 2, lookup: lookup.function)
    defer { resolver.shutdown() }
    let results = Results()
    let busy = Task { results.set("a", await resolver.resolve("a.example")) }
    #expect(await Self.waitUntil { lookup.count == 1 }, "the thread never took the first name")
    // Queued: b and c. Refused: d. Joined: a second caller of b.
    let tasks = Self.startInOrder(on: loop, [
      { results.set("b", await resolver.resolve("b.example")) },
      { results.set("c", await resolver.resolve("c.example")) },
      { results.set("d", await resolver.resolve("d.example")) },
      { results.set("b2", await resolver.resolve("b.example")) },
    ])
    let refusedAtOnce = await Self.waitUntil { results["d"] != nil }
    #expect(refusedAtOnce, "a lookup beyond the queue waited instead of failing")
    #expect(results["b"] == nil && results["c"] == nil && results["b2"] == nil, "a queued lookup ended while the thread was busy")
    latch.open()
    await busy.value
    for task in tasks { await task.value }
    guard case .failure(let error) = results["d"] else {
      Issue.record("d.example: \(String(describing: results["d"]))")
      return
    }
    #expect(error.kind == .temporary && error.reason.contains("too many lookups waiting"), "\(error.reason)")
    for label in ["a", "b", "c", "b2"] {
      guard case .success = results[label] else {
        Issue.record("\(label): \(String(describing: results[label]))")
        continue
      }
    }
    #expect(lookup.count(of: "d.example") == 0 && lookup.count(of: "b.example") == 1)
  }

  @Test("shutdown fails every waiting lookup at once, queued or in progress, and every later one")
  func shutdownFailsWaiters() async throws {
    let loop = try EventLoop(name: "resolver-callers")
    defer { loop.shutdown() }
    let latch = Latch()
    defer { latch.open() }
    let lookup = ScriptedLookup(latch: latch)
    let resolver = HostResolver(threads: 1, lookup: lookup.function)
    let results = Results()
    let tasks = Self.startInOrder(on: loop, [
      { results.set("a", await resolver.resolve("a.example")) },
      { results.set("a2", await resolver.resolve("a.example")) },
      { results.set("b", await resolver.resolve("b.example")) },
      { resolver.shutdown() },
    ])
    // The lookup in progress stays blocked: the waiters must not wait for it.
    let failed = await Self.waitUntil { ["a", "a2", "b"].allSatisfy { results[$0] != nil } }
    #expect(failed, "a waiter was not released by shutdown")
    for label in ["a", "a2", "b"] {
      guard case .failure(let error) = results[label] else {
        Issue.record("\(label): \(String(describing: results[label]))")
        continue
      }
      #expect(error.kind == .temporary && error.reason.contains("stopped"), "\(label): \(error.reason)")
    }
    guard case .failure(let later) = await resolver.resolve("c.example") else {
      Issue.record("a lookup after shutdown succeeded")
      return
    }
    #expect(later.kind == .temporary)
    latch.open()
    // A waiter shutdown forgot may never be resumed: its task is then left behind rather than awaited.
    if failed { for task in tasks { await task.value } }
    #expect(lookup.count(of: "b.example") == 0 && lookup.count(of: "c.example") == 0)
  }

  @Test("lookups run on the resolver's own threads, never on the caller's (an event loop's here)")
  func lookupsRunOnResolverThreads() async throws {
    let loop = try EventLoop(name: "resolver-callers")
    defer { loop.shutdown() }
    let lookup = ScriptedLookup(loop: loop)
    let resolver = HostResolver(threads: 2, lookup: lookup.function)
    defer { resolver.shutdown() }
    let callers = Mutex<Set<pthread_t>>([])
    let tasks = Self.startInOrder(
      on: loop,
      (0..<6).map { index in
        {
          callers.withLock { _ = $0.insert(pthread_self()) }
          _ = await resolver.resolve("name\(index).example")
          callers.withLock { _ = $0.insert(pthread_self()) }
        }
      })
    for task in tasks { await task.value }
    let calls = lookup.calls.withLock { $0 }
    let callerThreads = callers.withLock { $0 }
    #expect(calls.count == 6)
    #expect(callerThreads.count == 1, "the callers were meant to run on the loop's one thread")
    #expect(calls.allSatisfy { !$0.onLoop && !callerThreads.contains($0.thread) }, "a lookup ran on its caller's thread")
    #expect(Set(calls.map(\.thread)).count <= 2, "lookups ran on more threads than the resolver has")
  }
}
