//! What `#[marine]`-generated code calls. Not an API: names and signatures may change.
//!
//! Wire pointers and sizes are `u32` (wasm32 addresses). On other targets these helpers still
//! compile so that guest crates build for the host, but they are only meaningful on wasm32.

use std::any::Any;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

static RESULT_PTR: AtomicUsize = AtomicUsize::new(0);
static RESULT_SIZE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static OBJECTS_TO_RELEASE: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// Reads the result pointer slot.
pub fn get_result_ptr() -> u32 {
    RESULT_PTR.load(Ordering::Relaxed) as u32
}

/// Reads the result size slot.
pub fn get_result_size() -> u32 {
    RESULT_SIZE.load(Ordering::Relaxed) as u32
}

/// Writes the result pointer slot.
pub fn set_result_ptr(ptr: u32) {
    RESULT_PTR.store(ptr as usize, Ordering::Relaxed)
}

/// Writes the result size slot.
pub fn set_result_size(size: u32) {
    RESULT_SIZE.store(size as usize, Ordering::Relaxed)
}

/// Keeps an object alive until the next `release_objects`.
pub fn add_object_to_release(object: Box<dyn Any>) {
    OBJECTS_TO_RELEASE.with(|objects| objects.borrow_mut().push(object));
}

/// Drops every object on the release list, last in first out.
pub fn release_objects() {
    let objects = OBJECTS_TO_RELEASE.with(|objects| std::mem::take(&mut *objects.borrow_mut()));
    let mut objects = objects;
    while let Some(object) = objects.pop() {
        drop(object);
    }
}

/// Number of objects currently on the release list (for tests).
pub fn objects_to_release_count() -> usize {
    OBJECTS_TO_RELEASE.with(|objects| objects.borrow().len())
}

/// Takes ownership of a host-written UTF-8 buffer (length 0: empty, pointer ignored).
///
/// # Safety
/// `ptr` must come from `allocate(len, 1)` and hold `len` bytes of UTF-8.
pub unsafe fn string_from_raw(ptr: u32, len: u32) -> String {
    if len == 0 {
        return String::new();
    }
    let len = len as usize;
    unsafe { String::from_raw_parts(ptr as usize as *mut u8, len, len) }
}

/// Takes ownership of a host-written array of `count` scalars (count 0: empty).
///
/// # Safety
/// `ptr` must be a `T`-aligned allocation of at least `count` elements from `allocate`.
pub unsafe fn vec_from_raw<T>(ptr: u32, count: u32) -> Vec<T> {
    if count == 0 {
        return Vec::new();
    }
    let count = count as usize;
    unsafe { Vec::from_raw_parts(ptr as usize as *mut T, count, count) }
}

/// Takes ownership of a packed record buffer of `size` bytes.
///
/// # Safety
/// `ptr` must come from `allocate(size, 1)`.
pub unsafe fn record_bytes(ptr: *const u8, size: usize) -> Vec<u8> {
    if size == 0 {
        return Vec::new();
    }
    unsafe { Vec::from_raw_parts(ptr as *mut u8, size, size) }
}

/// Reads a `Vec<bool>` (one byte per element).
///
/// # Safety
/// As [`vec_from_raw`].
pub unsafe fn bools_from_raw(ptr: u32, count: u32) -> Vec<bool> {
    unsafe { vec_from_raw::<u8>(ptr, count) }
        .into_iter()
        .map(|b| b != 0)
        .collect()
}

/// Reads `count` (ptr, len) pairs, freeing the pair array.
///
/// # Safety
/// `ptr` must be a 4-aligned allocation of `2 * count` u32 values.
pub unsafe fn pairs_from_raw(ptr: u32, count: u32) -> Vec<(u32, u32)> {
    let raw = unsafe { vec_from_raw::<u32>(ptr, count.wrapping_mul(2)) };
    raw.chunks_exact(2).map(|c| (c[0], c[1])).collect()
}

/// Reads a `Vec<String>`: `count` (ptr, len) pairs, each an owned string buffer.
///
/// # Safety
/// As [`pairs_from_raw`] and [`string_from_raw`].
pub unsafe fn strings_from_raw(ptr: u32, count: u32) -> Vec<String> {
    unsafe { pairs_from_raw(ptr, count) }
        .into_iter()
        .map(|(p, l)| unsafe { string_from_raw(p, l) })
        .collect()
}

/// (ptr, count) of a scalar vector passed in place (no copy).
pub fn scalars_in_place<T>(v: &[T]) -> (u32, u32) {
    (v.as_ptr() as usize as u32, v.len() as u32)
}

/// (ptr, count) of `v`, which is kept alive on the release list.
pub fn release_vec<T: 'static>(v: Vec<T>) -> (u32, u32) {
    let r = (v.as_ptr() as usize as u32, v.len() as u32);
    add_object_to_release(Box::new(v));
    r
}

/// Builds the (ptr, len) pair array for strings or nested vectors; returns (ptr, pair count).
pub fn release_pairs(pairs: impl Iterator<Item = (u32, u32)>) -> (u32, u32) {
    let mut raw: Vec<u32> = Vec::with_capacity(pairs.size_hint().0 * 2);
    for (p, l) in pairs {
        raw.push(p);
        raw.push(l);
    }
    let count = (raw.len() / 2) as u32;
    (release_vec(raw).0, count)
}

/// Builds the pointer array of a record vector; returns (ptr, count).
pub fn release_record_ptrs(ptrs: impl Iterator<Item = u32>) -> (u32, u32) {
    release_vec(ptrs.collect::<Vec<u32>>())
}

/// A scalar readable from a packed record.
pub trait LeScalar: Sized {
    /// Reads the value at `offset`, little-endian.
    fn read(raw: &[u8], offset: usize) -> Self;
}

macro_rules! le_scalar {
    ($($t:ty),*) => {$(
        impl LeScalar for $t {
            fn read(raw: &[u8], offset: usize) -> Self {
                let mut bytes = [0u8; std::mem::size_of::<$t>()];
                bytes.copy_from_slice(&raw[offset..offset + std::mem::size_of::<$t>()]);
                <$t>::from_le_bytes(bytes)
            }
        }
    )*};
}
le_scalar!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// Reads a scalar at `offset` of a packed record, byte-wise little-endian.
pub fn read_le<T: LeScalar>(raw: &[u8], offset: usize) -> T {
    T::read(raw, offset)
}

/// Alignment of the type behind an `allocate` type tag (§1.2), or `None` for unknown tags.
pub fn tag_alignment(tag: usize) -> Option<usize> {
    marine_ast::abi::tag_alignment(u32::try_from(tag).ok()?)
}

/// `allocate(size, tag)`: `size` bytes aligned for the tag's type; 0 for size 0 or unknown tags.
pub fn allocate(size: usize, tag: usize) -> usize {
    let Some(align) = tag_alignment(tag) else {
        return 0;
    };
    if size == 0 {
        return 0;
    }
    let Ok(layout) = std::alloc::Layout::from_size_align(size, align) else {
        return 0;
    };
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { std::alloc::alloc(layout) };
    if ptr.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    ptr as usize
}

/// A type's inline wire form (`docs/abi-extensions.md`): what generated code uses for
/// `Option`, `Result`, tuples, enums and everything they contain. Records and enums implement
/// it through `#[marine]` (a 4-byte pointer to their block).
pub trait Wire: Sized + 'static {
    /// Bytes of the inline form (record field, array element, payload field).
    const SIZE: usize;
    /// The `allocate` tag of an array of this type (its element alignment, §1.2).
    const TAG: u8;
    /// Appends the inline form; buffers it points to are `self`'s own or on the release list.
    fn write(&self, out: &mut Vec<u8>);
    /// The pointer a value of a boxed type (`Option`, `Result`, tuples, records, enums) travels
    /// as by itself (an argument or a result): its block, put on the release list, as
    /// [`Wire::write`] would point to it. `Option`, `Result` and tuples build their block and
    /// return its pointer directly; this provided form goes through a temporary buffer (and
    /// gives 0 for a type whose inline form is not a pointer).
    fn block_ptr(&self) -> u32 {
        let mut raw = Vec::with_capacity(Self::SIZE);
        self.write(&mut raw);
        raw.get(..4).map_or(0, |head| read_le::<u32>(head, 0))
    }
    /// Reads the inline form from the first [`Wire::SIZE`] bytes of `raw`, taking ownership of
    /// the host-allocated buffers it points to.
    ///
    /// # Safety
    /// `raw` must hold a value of this type written by the host in the wire format.
    unsafe fn read(raw: &[u8]) -> Self;
}

macro_rules! wire_scalar {
    ($($t:ty => $tag:expr),*) => {$(
        impl Wire for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            const TAG: u8 = $tag;
            fn write(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            unsafe fn read(raw: &[u8]) -> Self {
                read_le::<$t>(raw, 0)
            }
        }
    )*};
}
wire_scalar!(u8 => 1, u16 => 2, u32 => 3, u64 => 4, i8 => 5, i16 => 6, i32 => 7, i64 => 8,
    f32 => 9, f64 => 10);

impl Wire for bool {
    const SIZE: usize = 1;
    const TAG: u8 = 0;
    fn write(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
    unsafe fn read(raw: &[u8]) -> Self {
        raw[0] != 0
    }
}

fn write_pair(out: &mut Vec<u8>, ptr: u32, len: u32) {
    out.extend_from_slice(&ptr.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
}

impl Wire for String {
    const SIZE: usize = 8;
    const TAG: u8 = 3;
    fn write(&self, out: &mut Vec<u8>) {
        write_pair(out, self.as_ptr() as usize as u32, self.len() as u32);
    }
    unsafe fn read(raw: &[u8]) -> Self {
        unsafe { string_from_raw(read_le::<u32>(raw, 0), read_le::<u32>(raw, 4)) }
    }
}

impl<T: Wire> Wire for Vec<T> {
    const SIZE: usize = 8;
    const TAG: u8 = 3;
    fn write(&self, out: &mut Vec<u8>) {
        let (ptr, count) = wire_vec_to_raw(self.iter());
        write_pair(out, ptr, count);
    }
    unsafe fn read(raw: &[u8]) -> Self {
        unsafe { wire_vec_from_raw::<T>(read_le::<u32>(raw, 0), read_le::<u32>(raw, 4)) }
    }
}

/// The elements' inline forms in one buffer on the release list; returns (ptr, count).
pub fn wire_vec_to_raw<'a, T: Wire>(items: impl ExactSizeIterator<Item = &'a T>) -> (u32, u32) {
    let count = items.len() as u32;
    let mut raw = Vec::with_capacity(items.len() * T::SIZE);
    for item in items {
        item.write(&mut raw);
    }
    if raw.is_empty() {
        return (0, count);
    }
    (release_vec(raw).0, count)
}

/// Reads `count` elements of `T` from a host-written array (allocated with `T::TAG`), then
/// frees the array.
///
/// # Safety
/// `ptr` must come from `allocate(count * T::SIZE, T::TAG)` and hold `count` elements.
pub unsafe fn wire_vec_from_raw<T: Wire>(ptr: u32, count: u32) -> Vec<T> {
    let size = count as usize * T::SIZE;
    if count == 0 {
        return Vec::new();
    }
    let mut items = Vec::with_capacity(count as usize);
    if size > 0 {
        let raw = unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, size) };
        for chunk in raw.chunks_exact(T::SIZE) {
            items.push(unsafe { T::read(chunk) });
        }
        let align = tag_alignment(T::TAG as usize).unwrap_or(1);
        // SAFETY: the block was allocated by `allocate(size, T::TAG)` with this layout.
        unsafe {
            std::alloc::dealloc(
                ptr as usize as *mut u8,
                std::alloc::Layout::from_size_align_unchecked(size, align),
            )
        };
    }
    items
}

/// The pointer a boxed value (record, enum, `Option`, `Result`, tuple) travels as
/// ([`Wire::block_ptr`]: no buffer besides the block itself).
pub fn wire_to_ptr<T: Wire>(value: &T) -> u32 {
    value.block_ptr()
}

/// The boxed value behind a host-given pointer.
///
/// # Safety
/// `ptr` must point to a block of `T` written by the host.
pub unsafe fn wire_from_ptr<T: Wire>(ptr: u32) -> T {
    unsafe { T::read(&ptr.to_le_bytes()) }
}

/// Puts a block on the release list and returns its pointer (0 for an empty block).
pub fn release_block(block: Vec<u8>) -> u32 {
    if block.is_empty() {
        0
    } else {
        release_vec(block).0
    }
}

/// Puts a block on the release list and appends its pointer (0 for an empty block).
pub fn write_block(block: Vec<u8>, out: &mut Vec<u8>) {
    out.extend_from_slice(&release_block(block).to_le_bytes());
}

/// The discriminant of the tagged block at `ptr` (its first 4 bytes).
///
/// # Safety
/// `ptr` must point to a host-written tagged block.
pub unsafe fn block_discriminant(ptr: u32) -> u32 {
    let head = unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, 4) };
    read_le::<u32>(head, 0)
}

/// The block of a case carrying one value (`Some`, `Ok`, `Err`): the discriminant, then the
/// value's inline form.
fn case_block<T: Wire>(discriminant: u32, payload: &T) -> Vec<u8> {
    let mut block = Vec::with_capacity(4 + T::SIZE);
    block.extend_from_slice(&discriminant.to_le_bytes());
    payload.write(&mut block);
    block
}

/// The value of the host-written block at `ptr` of a case carrying one `T`; the block is
/// freed.
///
/// # Safety
/// `ptr` must point to a tagged block holding a `T` after its discriminant.
unsafe fn case_payload<T: Wire>(ptr: u32) -> T {
    let block = unsafe { record_bytes(ptr as usize as *const u8, 4 + T::SIZE) };
    unsafe { T::read(&block[4..]) }
}

impl<T: Wire> Wire for Option<T> {
    const SIZE: usize = 4;
    const TAG: u8 = 3;
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.block_ptr().to_le_bytes());
    }
    fn block_ptr(&self) -> u32 {
        let block = match self {
            None => 0u32.to_le_bytes().to_vec(),
            Some(v) => case_block(1, v),
        };
        release_block(block)
    }
    unsafe fn read(raw: &[u8]) -> Self {
        let ptr = read_le::<u32>(raw, 0);
        unsafe {
            match block_discriminant(ptr) {
                0 => {
                    drop(record_bytes(ptr as usize as *const u8, 4));
                    None
                }
                _ => Some(case_payload(ptr)),
            }
        }
    }
}

impl<T: Wire, E: Wire> Wire for Result<T, E> {
    const SIZE: usize = 4;
    const TAG: u8 = 3;
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.block_ptr().to_le_bytes());
    }
    fn block_ptr(&self) -> u32 {
        let block = match self {
            Ok(v) => case_block(0, v),
            Err(e) => case_block(1, e),
        };
        release_block(block)
    }
    unsafe fn read(raw: &[u8]) -> Self {
        let ptr = read_le::<u32>(raw, 0);
        unsafe {
            match block_discriminant(ptr) {
                0 => Ok(case_payload(ptr)),
                _ => Err(case_payload(ptr)),
            }
        }
    }
}

impl Wire for () {
    const SIZE: usize = 4;
    const TAG: u8 = 3;
    fn write(&self, out: &mut Vec<u8>) {
        write_block(Vec::new(), out);
    }
    fn block_ptr(&self) -> u32 {
        0
    }
    unsafe fn read(_raw: &[u8]) -> Self {}
}

macro_rules! wire_tuple {
    ($($name:ident $idx:tt),+) => {
        impl<$($name: Wire),+> Wire for ($($name,)+) {
            const SIZE: usize = 4;
            const TAG: u8 = 3;
            fn write(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.block_ptr().to_le_bytes());
            }
            fn block_ptr(&self) -> u32 {
                let mut block = Vec::with_capacity(0 $(+ $name::SIZE)+);
                $(self.$idx.write(&mut block);)+
                release_block(block)
            }
            unsafe fn read(raw: &[u8]) -> Self {
                let ptr = read_le::<u32>(raw, 0);
                let size = 0 $(+ $name::SIZE)+;
                let block = unsafe { record_bytes(ptr as usize as *const u8, size) };
                let mut offset = 0;
                ($({
                    let v = unsafe { $name::read(&block[offset..]) };
                    offset += $name::SIZE;
                    let _ = offset;
                    v
                },)+)
            }
        }
    };
}
wire_tuple!(A 0);
wire_tuple!(A 0, B 1);
wire_tuple!(A 0, B 1, C 2);
wire_tuple!(A 0, B 1, C 2, D 3);
wire_tuple!(A 0, B 1, C 2, D 3, E 4);
wire_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
wire_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
wire_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
wire_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
wire_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
wire_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
wire_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocate_follows_tags() {
        assert_eq!(allocate(0, 1), 0);
        assert_eq!(allocate(16, 11), 0);
        for tag in 0..=10 {
            let p = allocate(24, tag);
            assert_ne!(p, 0);
            assert_eq!(p % tag_alignment(tag).unwrap(), 0);
            unsafe {
                std::alloc::dealloc(
                    p as *mut u8,
                    std::alloc::Layout::from_size_align(24, tag_alignment(tag).unwrap()).unwrap(),
                )
            };
        }
    }

    #[test]
    fn release_list_is_drained() {
        release_objects();
        let (_, n) = release_pairs([(1, 2), (3, 4)].into_iter());
        assert_eq!(n, 2);
        assert_eq!(objects_to_release_count(), 1);
        release_objects();
        assert_eq!(objects_to_release_count(), 0);
    }

    #[test]
    fn reads_unaligned_le() {
        let raw = [0xff, 0x01, 0x02, 0x03, 0x04];
        assert_eq!(read_le::<u32>(&raw, 1), 0x0403_0201);
    }
}
