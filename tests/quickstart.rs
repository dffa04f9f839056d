//! The README's quickstart (`examples/quickstart.rs` of the root package)
//! at a quarter of its epochs: it runs end to end, writes its plots, and
//! one-cycle ends with a lower validation loss than the constant rate.

#[allow(dead_code)]
#[path = "../examples/quickstart.rs"]
mod quickstart;

#[test]
fn quickstart_runs_and_one_cycle_beats_a_constant_lr() {
    let dir = std::env::temp_dir().join(format!("clr-quickstart-test-{}", std::process::id()));
    let report = quickstart::run(&quickstart::Settings::small(Some(dir.clone()))).unwrap();

    let sweep = &report.range_test.result.sweeps[0];
    assert_eq!(sweep.train_loss.len(), 40);
    assert!(report.range_test.suggestions[0]
        .iter()
        .any(|(_, lr)| lr.is_some()));

    let [one_cycle, clr, constant] = &report.runs[..] else {
        panic!("three runs");
    };
    assert_eq!(one_cycle.history.len(), 10);
    assert_eq!(clr.history.len(), 15);
    assert_eq!(constant.history.len(), 10);
    for run in &report.runs {
        eprintln!(
            "{:<10} final {:.5} best {:.5}",
            run.name,
            run.final_val(),
            run.best_val().0
        );
        assert!(run.final_val().is_finite(), "{}", run.name);
    }
    assert!(
        one_cycle.final_val() < constant.final_val(),
        "one-cycle {} vs constant {}",
        one_cycle.final_val(),
        constant.final_val()
    );

    // Five figures in PNG and SVG, three histories.
    assert_eq!(report.files.len(), 13);
    for file in &report.files {
        let len = std::fs::metadata(file).unwrap().len();
        assert!(len > 200, "{}: {len} bytes", file.display());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
