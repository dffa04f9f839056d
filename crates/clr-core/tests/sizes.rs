//! The memory of every schedule and of the `Scheduler`: fixed sizes, no
//! allocation (records aside, with `alloc`). Prints the table of
//! BENCHMARKS.md:
//!
//! ```text
//! cargo test -p clr-core --test sizes -- --nocapture                  # no alloc
//! cargo test -p clr-core --test sizes --features alloc -- --nocapture # records
//! ```

use clr_core::{
    Bundle, CosineCycles, CosineRestarts, CyclicLr, FitOneCycle, KerasClr, KerasOneCycle, LrSweep,
    OneCycleLr, Piecewise, Scheduler, SchedulerState,
};
use core::mem::size_of;

#[test]
fn sizes() {
    let rows: &[(&str, usize, usize)] = &[
        (
            "OneCycleLr",
            size_of::<OneCycleLr<f32>>(),
            size_of::<OneCycleLr<f64>>(),
        ),
        (
            "FitOneCycle",
            size_of::<FitOneCycle<f32>>(),
            size_of::<FitOneCycle<f64>>(),
        ),
        (
            "KerasOneCycle",
            size_of::<KerasOneCycle<f32>>(),
            size_of::<KerasOneCycle<f64>>(),
        ),
        (
            "CyclicLr",
            size_of::<CyclicLr<f32>>(),
            size_of::<CyclicLr<f64>>(),
        ),
        (
            "KerasClr",
            size_of::<KerasClr<f32>>(),
            size_of::<KerasClr<f64>>(),
        ),
        (
            "CosineCycles",
            size_of::<CosineCycles<f32>>(),
            size_of::<CosineCycles<f64>>(),
        ),
        (
            "CosineRestarts",
            size_of::<CosineRestarts<f32>>(),
            size_of::<CosineRestarts<f64>>(),
        ),
        (
            "LrSweep",
            size_of::<LrSweep<f32>>(),
            size_of::<LrSweep<f64>>(),
        ),
        (
            "Piecewise (8 phases)",
            size_of::<Piecewise<f32>>(),
            size_of::<Piecewise<f64>>(),
        ),
        (
            "SchedulerState",
            size_of::<SchedulerState>(),
            size_of::<SchedulerState>(),
        ),
        (
            "Scheduler<OneCycleLr>",
            size_of::<Scheduler<OneCycleLr<f32>, OneCycleLr<f32>, f32>>(),
            size_of::<Scheduler<OneCycleLr<f64>, OneCycleLr<f64>, f64>>(),
        ),
        (
            "Scheduler<Bundle<CosineRestarts>>",
            size_of::<
                Scheduler<
                    Bundle<CosineRestarts<f32>, CosineRestarts<f32>>,
                    Bundle<CosineRestarts<f32>, CosineRestarts<f32>>,
                    f32,
                >,
            >(),
            size_of::<
                Scheduler<
                    Bundle<CosineRestarts<f64>, CosineRestarts<f64>>,
                    Bundle<CosineRestarts<f64>, CosineRestarts<f64>>,
                    f64,
                >,
            >(),
        ),
    ];
    let alloc = if cfg!(feature = "alloc") {
        "with"
    } else {
        "without"
    };
    println!("\n| type ({alloc} `alloc`) | f32 | f64 |\n|---|---|---|");
    for (name, a, b) in rows {
        println!("| `{name}` | {a} B | {b} B |");
    }
    // Fixed and small: a Scheduler is its schedule plus a few words.
    let scheduler = size_of::<Scheduler<OneCycleLr<f64>, OneCycleLr<f64>, f64>>();
    assert!(
        scheduler < 2 * size_of::<OneCycleLr<f64>>() + 512,
        "{scheduler}"
    );
}
