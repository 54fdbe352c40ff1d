// A map with a budget: what it holds is bounded by the sum of its entries' costs.

/// Entries with a cost each (bytes, say); an insert that would pass `budget` first evicts in
/// CLOCK order: a hand sweeps the slots and evicts the first entry not read since its last pass
/// (read ones lose their mark and stay). That approximates least-recently-used without moving
/// anything on a read. Not thread-safe: its owner locks.
struct ClockCache<Key: Hashable, Value> {
    private struct Slot {
        let key: Key
        var value: Value
        let cost: Int
        var referenced: Bool
    }

    let budget: Int
    /// Sum of the entries' costs, at most `budget`.
    private(set) var cost = 0
    private var slots: [Slot?] = []
    private var slotOfKey: [Key: Int] = [:]
    private var freeSlots: [Int] = []
    private var hand = 0

    init(budget: Int) {
        self.budget = max(0, budget)
    }

    var count: Int { slotOfKey.count }

    /// The value of `key`, marked as read.
    mutating func value(_ key: Key) -> Value? {
        guard let slot = slotOfKey[key] else { return nil }
        slots[slot]!.referenced = true
        return slots[slot]!.value
    }

    /// Sets `key` to `value`, evicting as needed. An entry costing more than the whole budget is
    /// not kept.
    mutating func set(_ key: Key, _ value: Value, cost: Int) {
        remove(key)
        guard cost <= budget else { return }
        while self.cost + cost > budget { evictOne() }
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = slots.count
            slots.append(nil)
        }
        slots[slot] = Slot(key: key, value: value, cost: cost, referenced: false)
        slotOfKey[key] = slot
        self.cost += cost
    }

    mutating func remove(_ key: Key) {
        guard let slot = slotOfKey.removeValue(forKey: key) else { return }
        cost -= slots[slot]!.cost
        slots[slot] = nil
        freeSlots.append(slot)
    }

    /// Removes every entry whose key matches.
    mutating func removeAll(where matches: (Key) -> Bool) {
        for case let slot? in slots where matches(slot.key) { remove(slot.key) }
    }

    mutating func removeAll() {
        self = ClockCache(budget: budget)
    }

    private mutating func evictOne() {
        while true {
            if hand >= slots.count { hand = 0 }
            defer { hand += 1 }
            guard let slot = slots[hand] else { continue }
            if slot.referenced {
                slots[hand]!.referenced = false
            } else {
                remove(slot.key)
                return
            }
        }
    }
}
