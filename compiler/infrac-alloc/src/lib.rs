//! The allocator of infrac's binaries: mimalloc 2, asked through its plain entry points
//! whenever they already give the alignment Rust asks for.
//!
//! The `mimalloc` crate's allocator passes every request to mimalloc's aligned entry
//! points (`mi_malloc_aligned`), which go through three more calls and an alignment test
//! before they reach the same small-block path `mi_malloc` takes. Rust asks with the
//! alignment of the type, 8 or less for nearly everything, and a check of a large lab
//! allocates hundreds of thousands of blocks: 15 M instructions of 249 M for 10,000
//! guests went to the allocator, a third of them to the aligned detour
//! (docs/performance.md).

#![no_std]
// The environment is read once, to leave an operator's allocator setting alone.
extern crate std;

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;
use libmimalloc_sys as mi;

/// mimalloc's allocator; `#[global_allocator] static A: Mimalloc = Mimalloc;`.
pub struct Mimalloc;

/// The largest alignment mimalloc 2 gives every block at least that large
/// (`MI_MAX_ALIGN_SIZE`, `sizeof(max_align_t)`, 16 on the 64-bit targets infrac ships
/// for). Source: libmimalloc-sys 0.1.49, `c_src/mimalloc/v2/src/alloc-aligned.c`,
/// `mi_malloc_is_naturally_aligned`: "if (alignment > size) return false; if (alignment
/// <= MI_MAX_ALIGN_SIZE) return true;", the test mimalloc itself uses to serve an aligned
/// request from `mi_malloc`.
const NATURAL_ALIGN: usize = 16;

/// Whether a block of `size` bytes from the plain entry points is aligned to `align`.
#[inline(always)]
fn natural(align: usize, size: usize) -> bool {
    align <= NATURAL_ALIGN && align <= size
}

/// A block for `layout` from `plain` when its alignment is natural there, else from
/// `aligned`: `alloc` and `alloc_zeroed` differ only in the pair they ask.
#[inline(always)]
fn block(
    layout: Layout,
    plain: unsafe extern "C" fn(usize) -> *mut c_void,
    aligned: unsafe extern "C" fn(usize, usize) -> *mut c_void,
) -> *mut u8 {
    let (size, align) = (layout.size(), layout.align());
    if natural(align, size) {
        // SAFETY: mimalloc's allocation functions take any size.
        unsafe { plain(size).cast() }
    } else {
        // SAFETY: `align` is a power of two, as `Layout` guarantees.
        unsafe { aligned(size, align).cast() }
    }
}

// SAFETY: every block comes from mimalloc with at least the layout's size and alignment
// (`natural` holds, or the aligned entry point is asked), and is given back to `mi_free`,
// which takes a block from any of them.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        block(layout, mi::mi_malloc, mi::mi_malloc_aligned)
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        block(layout, mi::mi_zalloc, mi::mi_zalloc_aligned)
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let align = layout.align();
        // `mi_realloc` keeps the block when the new size fits it (the block was aligned)
        // and otherwise moves it to a block from `mi_malloc(new_size)`, aligned when
        // `natural` holds for the new size.
        if natural(align, new_size) {
            // SAFETY: `ptr` came from this allocator, so from mimalloc.
            unsafe { mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast() }
        } else {
            // SAFETY: as above; `align` is a power of two.
            unsafe { mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, align).cast() }
        }
    }
}

/// mimalloc 2's option for how long freed memory waits before it is given back to the
/// system (`mi_option_purge_delay`, in milliseconds; segments in arenas wait ten times as
/// long). Source: libmimalloc-sys 0.1.49, `c_src/mimalloc/v2/include/mimalloc.h`, the
/// sixteenth entry of `mi_option_e` ("memory purging is delayed by N milli seconds; use 0
/// for immediate purging or -1 for no purging at all. (=10)"); the crate names no
/// constant for it.
const PURGE_DELAY: mi::mi_option_t = 15;

/// The environment variable through which an operator sets the same option, which this
/// process then leaves alone.
const PURGE_DELAY_VAR: &str = "MIMALLOC_PURGE_DELAY";

/// How long an editor's language server keeps memory it freed: longer than the pause
/// between two keystrokes of someone typing (about 100 ms), short enough that the memory
/// of a large lab's analyses goes back to the system a few seconds after typing stops
/// (arenas wait ten times as long).
const BETWEEN_KEYSTROKES_MS: u32 = 1_000;

/// Keeps memory this process frees for a second before giving it back to the system,
/// unless the environment sets the delay. For a process that frees and allocates about the
/// same memory again and again with pauses between: the language server drops a lab's
/// previous analysis on every keystroke and builds the next one a tenth of a second later.
/// With mimalloc's 10 ms the memory is returned in between and every keystroke faults it
/// in again, zeroed page by page (about 250 faults a keystroke in a 5,000-guest lab,
/// docs/performance.md).
pub fn keep_freed_memory_between_keystrokes() {
    keep_freed_memory(
        BETWEEN_KEYSTROKES_MS,
        std::env::var_os(PURGE_DELAY_VAR).is_some(),
    );
}

/// Sets the purge delay to `millis`, unless the operator set it in the environment.
fn keep_freed_memory(millis: u32, set_in_environment: bool) {
    if set_in_environment {
        return;
    }
    // SAFETY: `mi_option_set` takes any value for a valid option; `PURGE_DELAY` is one.
    unsafe { mi::mi_option_set(PURGE_DELAY, core::ffi::c_long::from(millis)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// The purge delay mimalloc uses now, in milliseconds.
    fn purge_delay() -> core::ffi::c_long {
        // SAFETY: `mi_option_get` reads a valid option.
        unsafe { mi::mi_option_get(PURGE_DELAY) }
    }

    /// The option is the purge delay: mimalloc's default, then what was set, and an
    /// operator's own setting wins.
    #[test]
    fn the_purge_delay_is_kept_unless_the_environment_sets_it() {
        if std::env::var_os(PURGE_DELAY_VAR).is_none() {
            assert_eq!(
                purge_delay(),
                10,
                "mimalloc 2's default, so the index is right"
            );
        }
        keep_freed_memory(1234, true);
        assert_ne!(purge_delay(), 1234);
        keep_freed_memory(1234, false);
        assert_eq!(purge_delay(), 1234);
    }

    /// Every size and alignment a program asks for comes back aligned, zeroed when asked,
    /// and keeps its bytes when it grows or shrinks.
    #[test]
    fn blocks_are_aligned_and_keep_their_bytes() {
        let a = Mimalloc;
        let mut kept = Vec::new();
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [
                1usize, 3, 7, 8, 9, 15, 16, 17, 24, 31, 48, 100, 1000, 70_000,
            ] {
                let layout = Layout::from_size_align(size, align).expect("a valid layout");
                // SAFETY: the layout has a non-zero size; each block is freed below with
                // its layout.
                unsafe {
                    let p = a.alloc(layout);
                    assert!(
                        !p.is_null() && (p as usize).is_multiple_of(align),
                        "{size} @ {align}"
                    );
                    p.write_bytes(0xa5, size);
                    let z = a.alloc_zeroed(layout);
                    assert!(
                        (z as usize).is_multiple_of(align),
                        "zeroed {size} @ {align}"
                    );
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    for new_size in [size / 2 + 1, size * 3 + 5] {
                        let q = a.alloc(layout);
                        q.write_bytes(0x3c, size);
                        let r = a.realloc(q, layout, new_size);
                        assert!(
                            (r as usize).is_multiple_of(align),
                            "{size} -> {new_size} @ {align}"
                        );
                        assert!((0..size.min(new_size)).all(|i| *r.add(i) == 0x3c));
                        kept.push((r, Layout::from_size_align(new_size, align).expect("valid")));
                    }
                    kept.push((p, layout));
                    kept.push((z, layout));
                }
            }
        }
        for (p, layout) in kept {
            // SAFETY: each block came from `a` with this layout.
            unsafe { a.dealloc(p, layout) }
        }
    }
}
