import Core
import Dossiers
import Foundation
import Procedures

/// A generated dossier's life, as the workflow would have written it: submitted online (perhaps
/// asked at the counter for a missing paper before receipt, perhaps refused or withdrawn then) or
/// received at the counter (at the provincial service centre for the province's procedures);
/// then each step of the procedure at its agency, with supplement requests (answered or not, one
/// or two), payment requests, extensions; finished, stopped or withdrawn, the result returned.
/// Nothing happens after `now`: a life still going on is left where it stands.
struct GeneratedLife {
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    var events: [DossierStore.SeedEvent] = []
    var parts: [DossierStore.SeedPart] = []
    var status: DossierStatus
    var receivedAt: Int64?
    var dueAt: Int64?
    var endAt: Int64?
    var returnedAt: Int64?
    var supplements = 0
    var extensions = 0
    var step = 0

    /// Five o'clock in the afternoon (Vietnam) of the day `days` working days (about 1.4 calendar days each) after `from`.
    static func appointment(from: Int64, days: Int) -> Int64 {
        let target = from + Int64(Double(max(1, days)) * 1.4 * Double(day))
        return (target + 25_200_000) / day * day - 25_200_000 + 17 * hour
    }

    /// Lives the dossier of `procedure` created at `created` through its steps, until `now`.
    static func live(_ procedure: Procedure, implementing: String, online: Bool, created: Int64, now: Int64, _ random: inout SeededRandom)
        -> GeneratedLife
    {
        var life = GeneratedLife(status: online ? .submitted : .received)
        var t = created
        let agencies = procedure.steps.isEmpty ? [implementing] : procedure.steps.map { $0.agencyIdentifier ?? implementing }
        /// Moves the clock on; false when that would pass `now` (the life stops where it is).
        func wait(_ range: ClosedRange<Int64>) -> Bool {
            let next = t + Int64.random(in: range, using: &random)
            guard next < now else { return false }
            t = next
            return true
        }
        func record(_ action: String, _ to: DossierStatus) {
            life.status = to
            let part = life.parts.last
            life.events.append(
                .init(action: action, toStatus: to, at: t, dueAt: life.dueAt, stepSeq: part.map { _ in life.parts.count - 1 }, stepDueAt: part?.dueAt)
            )
        }
        func record(_ action: DossierAction, _ to: DossierStatus) { record(action.rawValue, to) }
        /// Ends the agency's part now: forwarded on (`processing`) or with the dossier's end.
        func closePart(_ status: DossierStatus) {
            guard !life.parts.isEmpty else { return }
            life.parts[life.parts.count - 1].endedAt = t
            life.parts[life.parts.count - 1].status = status
        }
        func end(_ action: DossierAction, _ to: DossierStatus) {
            closePart(to)
            life.endAt = t
            record(action, to)
        }
        func openPart(at index: Int) {
            let part = DossierRules.agencyPart(of: procedure.steps, from: index, implementing: implementing)
            let due = part.isWhole || part.days == 0 ? life.dueAt : appointment(from: t, days: part.days)
            life.parts.append(.init(agency: part.agency, startedAt: t, endedAt: nil, dueAt: due, status: .processing))
        }
        func receive() {
            life.receivedAt = t
            life.dueAt = appointment(from: t, days: procedure.processingDays)
            openPart(at: 0)
            record(.receive, .received)
        }
        func shift(_ amount: Int64) {
            life.dueAt = life.dueAt.map { $0 + amount }
            if !life.parts.isEmpty { life.parts[life.parts.count - 1].dueAt = life.parts[life.parts.count - 1].dueAt.map { $0 + amount } }
        }
        if online {
            record("submit", .submitted)
            if random.chance(0.05) {
                guard wait(hour...(20 * hour)) else { return life }
                record(.requestSupplement, .supplementRequested)
                guard wait(hour...(48 * hour)) else { return life }
                record(.supplement, .submitted)
            }
            guard wait(hour / 10...(20 * hour)) else { return life }
            if random.chance(0.03) {
                end(.refuse, .refused)
                return life
            }
            if random.chance(0.02) {
                end(.withdraw, .withdrawn)
                return life
            }
            receive()
        } else {
            receive()
        }
        // Each step at its agency; the last one ends the processing.
        for index in agencies.indices {
            let days = procedure.steps.indices.contains(index) ? max(1, procedure.steps[index].days) : max(1, procedure.processingDays)
            let overrun = random.chance(0.07) ? 1.6 : Double.random(in: 0.3..<1.0, using: &random)
            let span = Int64(Double(days) * 1.4 * Double(day) * overrun)
            if random.chance(0.1) {
                guard wait(hour...max(hour, span / 2)) else { return life }
                life.supplements += 1
                record(.requestSupplement, .supplementRequested)
                if random.chance(0.15) { return life }  // never answered
                let waited = Int64.random(in: day...(5 * day), using: &random)
                guard wait(waited...waited) else { return life }
                shift(waited / day * day)
                record(.supplement, .processing)
                if random.chance(0.2) {
                    guard wait(hour...(3 * day)) else { return life }
                    life.supplements += 1
                    record(.requestSupplement, .supplementRequested)
                    guard wait(day...(4 * day)) else { return life }
                    record(.supplement, .processing)
                }
            }
            if random.chance(0.03) {
                guard wait(hour...(2 * day)) else { return life }
                life.extensions += 1
                shift(4 * day)
                record(.extendDeadline, life.status)
            }
            guard wait(max(hour, span / 2)...max(hour, span)) else { return life }
            if index + 1 < agencies.count {
                if agencies[index + 1] != agencies[index] {
                    closePart(.processing)
                    openPart(at: index + 1)
                }
                life.step = index + 1
                record(.forward, .processing)
                if random.chance(0.01) {
                    end(.withdraw, .withdrawn)
                    return life
                }
                continue
            }
            let roll = Double.random(in: 0..<1, using: &random)
            if roll < 0.02 {
                end(.withdraw, .withdrawn)
                return life
            }
            if roll < 0.04 {
                end(.stop, .stopped)
                return life
            }
            end(roll < 0.08 ? .reject : .approve, roll < 0.08 ? .rejected : .approved)
        }
        guard wait(hour...(2 * day)) else { return life }
        record(.recordResult, .resultReady)
        guard random.chance(0.9), wait(hour...(3 * day)) else { return life }
        life.returnedAt = t
        record(.returnResult, .returned)
        return life
    }
}
