//! Ids handed to JavaScript for things the engine resolved once (an export called from
//! JavaScript, a linked module import), in a table whose slots are reused.
//!
//! An id is a slot's index and the slot's generation, which is bumped every time the slot is
//! freed: the table holds at most as many slots as ids were live at once, and an id kept past
//! the removal of what it named (a stale id) finds the slot's generation changed and is
//! refused, never taken for the slot's next occupant. Ids are JavaScript numbers (integers
//! below 2^53): [`INDEX_BITS`] bits of index, the generation above them; a slot whose
//! generation has run out is retired, not reused.

/// The bits of an id that hold the slot's index.
pub const INDEX_BITS: u32 = 21;

/// The most slots a table holds (ids live at once).
pub const MAX_SLOTS: usize = 1 << INDEX_BITS;

/// The last generation a slot may have (the id's high bits, so the id stays below 2^53).
const MAX_GENERATION: u64 = (1 << (53 - INDEX_BITS)) - 1;

/// The largest id: the last slot at the last generation, 2^53 - 1.
const MAX_ID: f64 = ((MAX_GENERATION << INDEX_BITS) | (MAX_SLOTS as u64 - 1)) as f64;

/// The id of slot `index` at `generation`.
fn id_of(index: usize, generation: u64) -> f64 {
    ((generation << INDEX_BITS) | index as u64) as f64
}

#[derive(Debug)]
struct Slot<T> {
    generation: u64,
    value: Option<T>,
}

/// A table of values by id (see the module documentation).
#[derive(Debug)]
pub struct IdTable<T> {
    slots: Vec<Slot<T>>,
    /// The indices of free slots, reused last-freed first.
    free: Vec<usize>,
    live: usize,
}

impl<T> Default for IdTable<T> {
    fn default() -> Self {
        IdTable {
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
        }
    }
}

/// The table is full: [`MAX_SLOTS`] ids are live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableFull;

/// How many ids of a table are live, and how many slots it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdStats {
    /// Ids naming a value now.
    pub live: usize,
    /// Slots allocated (live, free or retired): the table's size.
    pub slots: usize,
}

impl<T> IdTable<T> {
    /// Stores `value` in a free slot (or a new one) and returns its id.
    pub fn insert(&mut self, value: T) -> Result<f64, TableFull> {
        let index = match self.free.pop() {
            Some(index) => index,
            None if self.slots.len() < MAX_SLOTS => {
                self.slots.push(Slot {
                    generation: 0,
                    value: None,
                });
                self.slots.len() - 1
            }
            None => return Err(TableFull),
        };
        let slot = &mut self.slots[index];
        slot.value = Some(value);
        self.live += 1;
        Ok(id_of(index, slot.generation))
    }

    /// The slot index and generation an id names, when it is one this table could have
    /// given.
    fn index_of(&self, id: f64) -> Option<(usize, u64)> {
        // An integer in range: anything else (negative, fractional, NaN, past 2^53) is no id.
        if !(0.0..=MAX_ID).contains(&id) || id.fract() != 0.0 {
            return None;
        }
        let id = id as u64;
        Some(((id & (MAX_SLOTS as u64 - 1)) as usize, id >> INDEX_BITS))
    }

    /// The value of `id`; `None` for an id this table never gave or whose value was removed.
    pub fn get(&self, id: f64) -> Option<&T> {
        let (index, generation) = self.index_of(id)?;
        let slot = self.slots.get(index)?;
        if slot.generation != generation {
            return None;
        }
        slot.value.as_ref()
    }

    /// Removes every value `keep` refuses, freeing their slots (their ids become stale).
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if slot.value.as_ref().is_none_or(&mut keep) {
                continue;
            }
            slot.value = None;
            self.live -= 1;
            if slot.generation < MAX_GENERATION {
                slot.generation += 1;
                self.free.push(index);
            }
            // A slot at its last generation is retired: reusing it would give an id that
            // an id of its first occupant could be mistaken for.
        }
    }

    /// The id of the first live value `matches` accepts.
    pub fn find(&self, mut matches: impl FnMut(&T) -> bool) -> Option<f64> {
        self.slots.iter().enumerate().find_map(|(index, slot)| {
            let value = slot.value.as_ref()?;
            matches(value).then_some(id_of(index, slot.generation))
        })
    }

    /// How many ids are live and how many slots the table holds.
    pub fn stats(&self) -> IdStats {
        IdStats {
            live: self.live,
            slots: self.slots.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_slots_are_reused_and_stale_ids_refused() {
        let mut table = IdTable::default();
        let a = table.insert("a").unwrap();
        let b = table.insert("b").unwrap();
        table.retain(|v| *v != "a");
        assert_eq!(table.get(a), None);
        let c = table.insert("c").unwrap();
        assert_ne!(a, c);
        assert_eq!(table.get(a), None);
        assert_eq!(table.get(c), Some(&"c"));
        assert_eq!(table.get(b), Some(&"b"));
        assert_eq!(table.stats(), IdStats { live: 2, slots: 2 });
        for bad in [-1.0, 0.5, f64::NAN, f64::INFINITY, 2f64.powi(53)] {
            assert_eq!(table.get(bad), None);
        }
    }

    #[test]
    fn many_cycles_keep_the_table_small() {
        let mut table = IdTable::default();
        let mut old = Vec::new();
        for i in 0..10_000 {
            old.push(table.insert(i).unwrap());
            table.retain(|_| false);
        }
        assert_eq!(table.stats(), IdStats { live: 0, slots: 1 });
        assert!(old.iter().all(|id| table.get(*id).is_none()));
    }
}
