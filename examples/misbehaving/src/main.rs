//! A module that breaks the ABI on purpose, to prove the host survives it.
//!
//! The `#[marine]` functions behave; the raw exports below declare a string, vector or record
//! result in their metadata but leave garbage in the result slots. Their metadata sections are
//! written by hand, exactly as the SDK would write them for the declared signature.
use marine_rs_sdk::marine;

pub fn main() {}

#[marine]
pub fn ok() -> String {
    String::from("still fine")
}

#[marine]
pub fn panics(message: String) -> String {
    panic!("guest panicked: {message}")
}

#[marine]
pub fn unreachable_trap() -> i32 {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[allow(unreachable_code)]
    0
}

#[marine]
pub fn grow_memory(pages: u32) -> u32 {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::memory_grow(0, pages as usize) as u32
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        pages
    }
}

/// Never returns: stopped only by the host's call timeout.
#[marine]
pub fn spin() -> u64 {
    let mut i: u64 = 0;
    while core::hint::black_box(true) {
        i = core::hint::black_box(i.wrapping_add(1));
    }
    i
}

/// Allocates `mib` MiB; fails (allocation error, then a trap) when memory cannot grow.
#[marine]
pub fn allocate_mib(mib: u32) -> u32 {
    let v = vec![1u8; (mib as usize) << 20];
    v.iter().map(|&b| b as u32).sum::<u32>() >> 20
}

/// Writes to stdout and stderr.
#[marine]
pub fn write_output(out: String, err: String) {
    use std::io::Write;
    print!("{out}");
    eprint!("{err}");
    let _ = std::io::stdout().flush();
}

/// Sleeps `ms` milliseconds (WASI `poll_oneoff` with one relative clock) and returns `ms`.
#[marine]
pub fn sleep_ms(ms: u64) -> u64 {
    std::thread::sleep(std::time::Duration::from_millis(ms));
    ms
}

/// Files opened by `hoard_files`, kept open until `release_files`.
static HOARD: std::sync::Mutex<Vec<std::fs::File>> = std::sync::Mutex::new(Vec::new());

/// Opens `path` up to `count` times, keeping every file open. Returns how many it opened and
/// the error that stopped it (empty when none): `"<opened>;<error>"`.
#[marine]
pub fn hoard_files(path: String, count: u32) -> String {
    let mut hoard = HOARD.lock().unwrap_or_else(|p| p.into_inner());
    let mut opened = 0;
    for _ in 0..count {
        match std::fs::File::open(&path) {
            Ok(file) => {
                hoard.push(file);
                opened += 1;
            }
            Err(error) => return format!("{opened};{error}"),
        }
    }
    format!("{opened};")
}

/// Closes every file `hoard_files` kept open; returns how many.
#[marine]
pub fn release_files() -> u32 {
    let mut hoard = HOARD.lock().unwrap_or_else(|p| p.into_inner());
    let n = hoard.len() as u32;
    hoard.clear();
    n
}

#[marine]
#[derive(Debug, Default)]
pub struct Pair {
    pub a: String,
    pub b: Vec<u8>,
}

#[cfg(target_arch = "wasm32")]
mod raw {
    extern "C" {
        // Defined by the SDK's ABI exports in this same binary.
        fn set_result_ptr(ptr: usize);
        fn set_result_size(size: usize);
    }

    static INVALID_UTF8: [u8; 4] = [b'o', b'k', 0xff, 0xfe];
    /// A packed `Pair` whose string points far outside memory.
    static BAD_PAIR: [u8; 16] = [
        0x00, 0xff, 0xff, 0xff, 0x04, 0x00, 0x00, 0x00, // a: ptr 0xffffff00, len 4
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // b: empty
    ];

    fn set(ptr: usize, size: usize) {
        unsafe {
            set_result_ptr(ptr);
            set_result_size(size);
        }
    }

    macro_rules! section {
        ($static_name:ident, $section:literal, $json:literal) => {
            #[link_section = $section]
            #[used]
            static $static_name: [u8; $json.len()] = {
                let src: &[u8] = $json;
                let mut out = [0u8; $json.len()];
                let mut i = 0;
                while i < src.len() {
                    out[i] = src[i];
                    i += 1;
                }
                out
            };
        };
    }

    section!(
        S1,
        "__m_generated_section__oob_ptr",
        br#"{"ast_type":"Function","signature":{"name":"oob_ptr","arguments":[],"output_types":[{"Utf8String":"ByValue"}]}}"#
    );
    /// A string result whose pointer lies past the end of memory.
    #[no_mangle]
    pub extern "C" fn oob_ptr() {
        set(0xffff_ff00, 16);
    }

    section!(
        S2,
        "__m_generated_section__len_past_end",
        br#"{"ast_type":"Function","signature":{"name":"len_past_end","arguments":[],"output_types":[{"Utf8String":"ByValue"}]}}"#
    );
    /// A valid pointer with a length that runs past the end of memory.
    #[no_mangle]
    pub extern "C" fn len_past_end() {
        set(INVALID_UTF8.as_ptr() as usize, 0x7fff_ffff);
    }

    section!(
        S3,
        "__m_generated_section__invalid_utf8",
        br#"{"ast_type":"Function","signature":{"name":"invalid_utf8","arguments":[],"output_types":[{"Utf8String":"ByValue"}]}}"#
    );
    /// A string result that is not UTF-8.
    #[no_mangle]
    pub extern "C" fn invalid_utf8() {
        set(INVALID_UTF8.as_ptr() as usize, INVALID_UTF8.len());
    }

    section!(
        S4,
        "__m_generated_section__huge_vec",
        br#"{"ast_type":"Function","signature":{"name":"huge_vec","arguments":[],"output_types":[{"Vector":[{"Utf8String":"ByValue"},"ByValue"]}]}}"#
    );
    /// A vector whose element count times element size overflows 32 bits.
    #[no_mangle]
    pub extern "C" fn huge_vec() {
        set(INVALID_UTF8.as_ptr() as usize, 0x7fff_ffff);
    }

    section!(
        S5,
        "__m_generated_section__bad_record",
        br#"{"ast_type":"Function","signature":{"name":"bad_record","arguments":[],"output_types":[{"Record":["Pair","ByValue"]}]}}"#
    );
    /// A record whose string field points outside memory.
    #[no_mangle]
    pub extern "C" fn bad_record() {
        set(BAD_PAIR.as_ptr() as usize, 0);
    }

    section!(
        S6,
        "__m_generated_section__oob_record",
        br#"{"ast_type":"Function","signature":{"name":"oob_record","arguments":[],"output_types":[{"Record":["Pair","ByValue"]}]}}"#
    );
    /// A record pointer at the very end of the address space.
    #[no_mangle]
    pub extern "C" fn oob_record() {
        set(0xffff_fffc, 0);
    }
}
