//! The Keras package's demo on tch (`examples/tch_one_cycle.rs`, the very file) at
//! reduced size: 4 epochs of one-cycle, 6 of CLR (3 cycles), 4 at a
//! constant rate, from the same initial weights.

#[allow(dead_code)] // its `main`
#[path = "../../../examples/tch_one_cycle.rs"]
mod demo;

/// libtorch's random generator is global: one demo at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn the_keras_demo_trains_under_every_policy() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (initial, rows) = demo::run([4, 6, 4]).unwrap();
    assert!(initial.is_finite() && initial > 0.0);
    let names: Vec<&str> = rows.iter().map(|r| r.name).collect();
    assert_eq!(names, ["one-cycle", "clr", "constant"]);
    for (row, epochs) in rows.iter().zip([4, 6, 4]) {
        assert_eq!(row.val_loss.len(), epochs, "{}", row.name);
        assert!(row.val_loss.iter().all(|v| v.is_finite()), "{}", row.name);
        let last = row.val_loss[epochs - 1];
        assert!(
            last < 0.5 * initial,
            "{}: val_loss {last} after training, {initial} before",
            row.name
        );
    }
}

/// Every policy starts from the same weights: the demo is deterministic.
#[test]
fn the_keras_demo_is_reproducible() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let first = demo::run([1, 3, 1]).unwrap();
    let second = demo::run([1, 3, 1]).unwrap();
    assert_eq!(first.0.to_bits(), second.0.to_bits());
    for (a, b) in first.1.iter().zip(&second.1) {
        assert_eq!(a.val_loss, b.val_loss, "{}", a.name);
    }
}
