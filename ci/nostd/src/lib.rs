//! A `#![no_std]` consumer of clr-core: exercises a preset (and, with the
//! `alloc` feature, the range test) so that they are linked.
#![no_std]

use clr_core::{HyperSchedule, OneCycleLr};

/// The one-cycle learning rate of `step` over 1000 steps peaking at 0.1.
#[no_mangle]
pub extern "C" fn clr_one_cycle_lr(step: u64) -> f64 {
    match OneCycleLr::builder(0.1_f64, 1000).build() {
        Ok(s) => s.hypers(step).lr,
        Err(_) => f64::NAN,
    }
}

/// The first learning rate the default range test asks to train at.
#[cfg(feature = "alloc")]
#[no_mangle]
pub extern "C" fn clr_range_test_first_lr() -> f64 {
    use clr_core::{Action, RangeTest, RangeTestConfig};
    match RangeTest::new(RangeTestConfig::<f64>::default()) {
        Ok(mut test) => match test.start() {
            Action::Train { lr, .. } => lr,
            _ => f64::NAN,
        },
        Err(_) => f64::NAN,
    }
}

/// A firmware-style target brings its own allocator; this check only links.
#[cfg(feature = "alloc")]
mod heap {
    use core::alloc::{GlobalAlloc, Layout};

    struct NoHeap;

    // SAFETY: never hands out memory; a null return is how an allocator
    // reports exhaustion.
    unsafe impl GlobalAlloc for NoHeap {
        unsafe fn alloc(&self, _layout: Layout) -> *mut u8 {
            core::ptr::null_mut()
        }
        unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
    }

    #[global_allocator]
    static ALLOCATOR: NoHeap = NoHeap;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
