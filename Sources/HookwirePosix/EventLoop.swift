import CHookwirePosix
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Something registered with an event loop for readiness events.
public protocol EventLoopHandler: AnyObject {
  /// Called on the loop thread with the epoll event bits that fired.
  func handleEvents(_ events: UInt32)
}

/// One thread running an epoll loop: file-descriptor readiness, timers,
/// work handed over from other threads (woken through an eventfd), and Swift
/// tasks that prefer to run here (`TaskExecutor`).
///
/// Registrations and timers belong to the loop thread: call them from
/// work running on the loop. `execute` and `enqueue` may be called from any
/// thread.
public final class EventLoop: TaskExecutor, @unchecked Sendable {
  // Unchecked: `handlers`, `timers` and `thread` are touched only on the
  // loop thread; everything shared across threads sits in `inbox` (a Mutex).
  private struct Inbox {
    var work: [() -> Void] = []
    var jobs: [UnownedJob] = []
    var woken = false
    var stopping = false
  }

  /// The loop's name, for logs and thread names.
  public let name: String
  private let epollFD: Int32
  private let wakeFD: Int32
  private let inbox = Mutex(Inbox())
  private var handlers: [Int32: any EventLoopHandler] = [:]
  private var timers = TimerHeap()
  private var thread = pthread_t()
  private struct Exit {
    var exited = false
    var waiters: [CheckedContinuation<Void, Never>] = []
    var semaphores: [DispatchSemaphore] = []
  }
  private let exit = Mutex(Exit())
  private let threadID = Atomic<UInt>(0)
  private var endOfTurn: [() -> Void] = []
  /// Streams of this loop lingering after their close (loop thread only).
  var lingeringStreams = 0
  /// A read buffer shared by every connection of this loop (loop thread only).
  public let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
  private static let wakeToken: UInt64 = .max

  /// Starts a loop on a new thread.
  public init(name: String) throws(IOError) {
    self.name = name
    epollFD = Int32(try Syscall.blocking("epoll_create1") { Int(hw_epoll_create()) })
    let wake: Int
    do throws(IOError) {
      wake = try Syscall.blocking("eventfd") { Int(hw_eventfd()) }
    } catch {
      close(epollFD)
      throw error
    }
    wakeFD = Int32(wake)
    _ = try Syscall.blocking("epoll_ctl") {
      Int(hw_epoll_ctl(epollFD, Int32(HW_EPOLL_CTL_ADD), wakeFD, UInt32(HW_EPOLLIN), Self.wakeToken))
    }
    let box = Unmanaged.passRetained(self)
    let created = pthread_create(&thread, nil, { raw in
      guard let raw else { return nil }
      let loop = Unmanaged<EventLoop>.fromOpaque(raw).takeRetainedValue()
      loop.run()
      return nil
    }, box.toOpaque())
    if created != 0 {
      box.release()
      throw IOError(call: "pthread_create", errno: created)
    }
    // Nobody joins the thread: `shutdownAndWait` and `shutdownGracefully`
    // wait for the loop's own exit signal instead.
    pthread_detach(thread)
  }

  deinit {
    close(epollFD)
    close(wakeFD)
    scratch.deallocate()
  }

  /// Whether the caller is running on this loop's thread.
  public var inEventLoop: Bool { threadID.load(ordering: .acquiring) == UInt(bitPattern: Int(bitPattern: pthread_self())) }

  // MARK: - Work from any thread

  /// Runs `work` on the loop thread, soon (later in this turn when called
  /// from the loop itself, without a wake-up).
  public func execute(_ work: @escaping @Sendable () -> Void) {
    post { $0.work.append(work) }
  }

  /// Runs a task job on the loop thread (tasks created with this loop as
  /// their executor preference come here).
  public func enqueue(_ job: consuming ExecutorJob) {
    let unowned = UnownedJob(job)
    post { $0.jobs.append(unowned) }
  }

  /// Adds to the inbox and wakes the loop if it may be asleep: once per
  /// sleep, and never from the loop itself, which drains its inbox before
  /// it sleeps.
  @inline(__always)
  private func post(_ add: (inout Inbox) -> Void) {
    if inEventLoop {
      inbox.withLock { add(&$0) }
      return
    }
    let wake = inbox.withLock { inbox -> Bool in
      add(&inbox)
      defer { inbox.woken = true }
      return !inbox.woken
    }
    if wake { signalWake() }
  }

  /// Wakes the loop from `epoll_wait`. A full counter (EAGAIN) already
  /// means a wake-up is pending, so failures need no handling.
  private func signalWake() {
    _ = try? Syscall.run("eventfd write") { Int(hw_eventfd_signal(wakeFD)) }
  }

  // MARK: - Loop-thread API

  /// Registers `handler` for `events` on `fd`.
  public func register(_ fd: Int32, events: UInt32, handler: any EventLoopHandler) throws(IOError) {
    precondition(inEventLoop, "register must run on the loop thread")
    _ = try Syscall.blocking("epoll_ctl") { Int(hw_epoll_ctl(epollFD, Int32(HW_EPOLL_CTL_ADD), fd, events, UInt64(fd))) }
    handlers[fd] = handler
  }

  /// Changes the events watched on `fd`.
  public func modify(_ fd: Int32, events: UInt32) throws(IOError) {
    _ = try Syscall.blocking("epoll_ctl") { Int(hw_epoll_ctl(epollFD, Int32(HW_EPOLL_CTL_MOD), fd, events, UInt64(fd))) }
  }

  /// Stops watching `fd` (before it is closed).
  public func deregister(_ fd: Int32) {
    handlers[fd] = nil
    _ = hw_epoll_ctl(epollFD, Int32(HW_EPOLL_CTL_DEL), fd, 0, 0)
  }

  /// Runs `work` on the loop thread at `deadline` (monotonic nanoseconds,
  /// as `MonotonicClock.now()` reads them); the handle cancels it.
  @discardableResult
  public func scheduleTimer(at deadline: UInt64, _ work: @escaping () -> Void) -> Timer {
    timers.schedule(at: deadline, work)
  }

  /// Cancels a timer that has not fired.
  public func cancelTimer(_ timer: Timer) { timers.cancel(timer) }

  /// Runs `work` once, at the end of the current loop turn, after the turn's
  /// events, timers, work and jobs: where connections flush what the turn
  /// wrote, so many frames leave in one `send`.
  public func atEndOfTurn(_ work: @escaping () -> Void) {
    precondition(inEventLoop, "atEndOfTurn must run on the loop thread")
    endOfTurn.append(work)
  }

  // MARK: - Lifecycle

  /// Asks the loop to stop after its current turn; returns at once.
  public func shutdown() {
    inbox.withLock { $0.stopping = true }
    signalWake()
  }

  /// Stops the loop and blocks until its thread has ended (not from the
  /// loop itself, nor from Swift's cooperative pool: use `shutdownGracefully`).
  public func shutdownAndWait() {
    precondition(!inEventLoop, "a loop cannot wait for itself")
    let semaphore = exit.withLock { exit -> DispatchSemaphore? in
      guard !exit.exited else { return nil }
      let semaphore = DispatchSemaphore(value: 0)
      exit.semaphores.append(semaphore)
      return semaphore
    }
    shutdown()
    semaphore?.wait()
  }

  /// Stops the loop and suspends, without blocking a thread, until it has ended.
  public func shutdownGracefully() async {
    await withCheckedContinuation { continuation in
      let exited = exit.withLock { exit -> Bool in
        if !exit.exited { exit.waiters.append(continuation) }
        return exit.exited
      }
      if exited { continuation.resume() }
      shutdown()
    }
  }

  private func run() {
    threadID.store(UInt(bitPattern: Int(bitPattern: pthread_self())), ordering: .releasing)
    var events = [hw_epoll_event](repeating: hw_epoll_event(), count: 256)
    while true {
      var timeout: Int32 = -1
      if inbox.withLock({ !$0.work.isEmpty || !$0.jobs.isEmpty }) {
        timeout = 0
      } else if let earliest = timers.earliest {
        let now = MonotonicClock.now()
        timeout = earliest <= now ? 0 : Int32(min((earliest - now + 999_999) / 1_000_000, 60_000))
      }
      let result = events.withUnsafeMutableBufferPointer { buffer in
        Result { () throws(IOError) -> IOResult<Int> in
          try Syscall.run("epoll_wait") { Int(hw_epoll_wait(epollFD, buffer.baseAddress, 256, timeout)) }
        }
      }
      var count = 0
      switch result {
      case .success(.processed(let ready)): count = ready
      case .success(.wouldBlock): break
      case .failure(let error):
        // Only a broken epoll descriptor gets here; nothing more can be served.
        preconditionFailure("\(name): \(error)")
      }
      if count > 0 {
        for index in 0..<Int(count) {
          let event = events[index]
          if event.data == Self.wakeToken {
            _ = try? Syscall.run("eventfd read") { Int(hw_eventfd_drain(wakeFD)) }
            continue
          }
          handlers[Int32(truncatingIfNeeded: event.data)]?.handleEvents(event.events)
        }
      }
      if !timers.isEmpty {
        for work in timers.popDue(now: MonotonicClock.now()) { work() }
      }
      // Work and jobs may queue more work and jobs; run them all before
      // sleeping, in bounded rounds so timers and sockets are not starved.
      var stopping = false
      for _ in 0..<64 {
        let (work, jobs, stop) = inbox.withLock { inbox in
          defer {
            inbox.work = []
            inbox.jobs = []
            inbox.woken = false
          }
          return (inbox.work, inbox.jobs, inbox.stopping)
        }
        stopping = stop
        for item in work { item() }
        for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
        while !endOfTurn.isEmpty {
          let batch = endOfTurn
          endOfTurn = []
          for item in batch { item() }
        }
        if work.isEmpty && jobs.isEmpty { break }
      }
      if stopping { break }
    }
    // Lingering streams would outlive the loop that was to close them.
    for handler in Array(handlers.values) { (handler as? TCPStream)?.closeIfLingering() }
    let (waiters, semaphores) = exit.withLock { exit in
      exit.exited = true
      defer {
        exit.waiters = []
        exit.semaphores = []
      }
      return (exit.waiters, exit.semaphores)
    }
    for waiter in waiters { waiter.resume() }
    for semaphore in semaphores { semaphore.signal() }
  }
}

/// A fixed set of event loops, handed out round-robin.
public final class EventLoopGroup: Sendable {
  /// The loops.
  public let loops: [EventLoop]
  private let next = Atomic<Int>(0)

  /// Starts `count` loops (default: one per core).
  public init(loops count: Int = System.coreCount, name: String = "hookwire") throws(IOError) {
    var loops: [EventLoop] = []
    for index in 0..<max(1, count) { loops.append(try EventLoop(name: "\(name)-\(index)")) }
    self.loops = loops
  }

  /// The next loop in turn.
  public func nextLoop() -> EventLoop {
    loops[next.wrappingAdd(1, ordering: .relaxed).oldValue % loops.count]
  }

  /// Stops every loop and blocks until their threads have ended.
  public func shutdownAndWait() {
    for loop in loops { loop.shutdownAndWait() }
  }

  /// Stops every loop and suspends until their threads have ended.
  public func shutdownGracefully() async {
    for loop in loops { await loop.shutdownGracefully() }
  }
}

/// Facts about the machine.
public enum System {
  /// Online processor cores.
  public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
