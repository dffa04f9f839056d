//! A `#![no_std]` consumer of clr-core: exercises a preset so it is linked.
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

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
