/// A batch of records' effect on their webhooks' failing streaks
/// (`webhook_failures`), worked out before anything is written, so the
/// batch's statement can end, restart and start them all at once and each
/// record still gets the answer it would have had alone.
///
/// Made one after another, a success ends its webhook's streak (answer:
/// nil) and a failure starts one unless one is under way (answer: since
/// when the webhook has been failing).
struct FailingStreaks {
  /// A streak to store: the webhook and since when it has been failing.
  struct Start: Equatable {
    let webhookID: String
    let sinceMs: Int64
  }

  /// Webhooks whose last record here succeeded: their streak is deleted.
  private(set) var ended: [String] = []
  /// Webhooks with a success here whose last record failed: their streak
  /// is the first failure after the last success, whatever was stored.
  private(set) var restarted: [Start] = []
  /// Webhooks without a success here: their streak starts at the first
  /// failure unless one is stored already.
  private(set) var started: [Start] = []
  /// Webhooks that failed here before a success: the answers to those
  /// failures need the streak stored before the batch.
  private(set) var readBefore: [String] = []
  private let records: [(webhookID: String, atMs: Int64, succeeded: Bool)]

  /// The streaks `records` (webhook, attempt start, success), in order, leave.
  init(_ records: [(webhookID: String, atMs: Int64, succeeded: Bool)]) {
    self.records = records
    var byWebhook: [String: [(atMs: Int64, succeeded: Bool)]] = [:]
    for record in records { byWebhook[record.webhookID, default: []].append((record.atMs, record.succeeded)) }
    // Sorted, so servers writing the same webhooks' rows lock them in one order.
    for webhook in byWebhook.keys.sorted() {
      let own = byWebhook[webhook] ?? []
      guard let lastSuccess = own.lastIndex(where: \.succeeded) else {
        started.append(Start(webhookID: webhook, sinceMs: own[0].atMs))
        continue
      }
      if !own[0].succeeded { readBefore.append(webhook) }
      if lastSuccess == own.count - 1 {
        ended.append(webhook)
      } else {
        restarted.append(Start(webhookID: webhook, sinceMs: own[lastSuccess + 1].atMs))
      }
    }
  }

  /// Each record's answer, in order, given the streaks `stored` for the
  /// webhooks in `readBefore` (before the batch) and `started` (after it
  /// started theirs).
  func answers(stored: [String: Int64]) -> [Int64?] {
    var streak = stored
    return records.map { record in
      guard !record.succeeded else {
        streak[record.webhookID] = nil
        return nil
      }
      let since = streak[record.webhookID] ?? record.atMs
      streak[record.webhookID] = since
      return since
    }
  }
}
