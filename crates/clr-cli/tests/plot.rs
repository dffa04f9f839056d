//! `clr schedule … --format term|svg|png [--output FILE] [--size WxH]` and
//! `clr suggest --input FILE --plot FILE.png|.svg`: the pictures exist, have
//! the asked size and say what they show; an unwritable output is exit 2.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{clr, words, Run};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plot");
    fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn suggest_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../clr-core/tests/fixtures/suggest/diverge_sgd_fastai_nostop.csv")
}

/// Runs `clr` and returns its stdout as bytes (PNG on stdout is binary).
fn clr_bytes(args: &[&str]) -> (Option<i32>, Vec<u8>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_clr"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the clr binary runs");
    (
        out.status.code(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
        .expect("a PNG")
        .to_rgb8();
    let dark = img
        .pixels()
        .filter(|p| p.0.iter().any(|&c| c < 160))
        .count();
    assert!(dark > 500, "the image is not blank ({dark} dark pixels)");
    img.dimensions()
}

/// The texts of an SVG, and the number of 2-pixel lines (the series).
fn svg_texts(svg: &str) -> (Vec<String>, usize) {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let texts = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect();
    let series = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke-width") == Some("2"))
        .count();
    (texts, series)
}

/// Runs `clr` with `args` and asserts that it succeeded.
fn ok<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> Run {
    let run = clr(args);
    assert_eq!(run.code, Some(0), "{args:?}: {}", run.stderr);
    run
}

/// Runs the command `line` with `{out}` replaced by the scratch file `name`,
/// asserts that it succeeded, and returns the run and the file.
fn ok_to(name: &str, line: &str) -> (Run, PathBuf) {
    let path = scratch(name);
    let line = line.replace("{out}", path.to_str().unwrap());
    (ok(&words(&line)), path)
}

/// Like [`ok`], for a run whose stdout is binary (PNG).
fn ok_bytes(line: &str) -> Vec<u8> {
    let (code, out, err) = clr_bytes(&words(line));
    assert_eq!(code, Some(0), "{line}: {err}");
    out
}

/// `clr suggest` on the fixture, plotting into the scratch file `name`.
fn suggest_plot(name: &str) -> (Run, PathBuf) {
    let path = scratch(name);
    let input = suggest_fixture();
    let run = ok(&[
        "suggest",
        "--input",
        input.to_str().unwrap(),
        "--plot",
        path.to_str().unwrap(),
    ]);
    (run, path)
}

/// Every one of `wanted` is one of the SVG's texts.
fn assert_texts(texts: &[String], wanted: &[&str]) {
    for t in wanted {
        assert!(texts.iter().any(|x| x == t), "{t} in {texts:?}");
    }
}

#[test]
fn schedule_to_png_and_svg_files() {
    let (run, png) = ok_to(
        "one-cycle.png",
        "schedule one-cycle --max-lr 0.1 --total-steps 200 --format png --output {out}",
    );
    assert!(run.stdout.is_empty() && run.stderr.is_empty());
    assert_eq!(png_size(&fs::read(&png).unwrap()), (1200, 460));

    let (_, svg) = ok_to(
        "cyclic.svg",
        "schedule --format svg --size 900x400 --output {out} cyclic --base-lr 0.001 --max-lr 0.006 --step-size-up 50 --no-momentum --steps 300",
    );
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg width=\"900\" height=\"400\""));
    let (texts, series) = svg_texts(&text);
    assert_texts(
        &texts,
        &[
            "cyclic (PyTorch CyclicLR), 300 steps",
            "learning rate",
            "iteration",
            "phase change",
            "cycle start",
        ],
    );
    assert!(!texts.iter().any(|x| x == "momentum"));
    assert_eq!(series, 1);
}

#[test]
fn svg_and_png_on_stdout() {
    let out = ok_bytes(
        "schedule keras-one-cycle --lr-range 1e-4,1e-2 --total-steps 40 --momentum-range 0.95,0.85 --format svg",
    );
    let (texts, series) = svg_texts(std::str::from_utf8(&out).unwrap());
    assert_texts(&texts, &["momentum"]);
    assert_eq!(series, 2);

    // stdout is a pipe here, so binary output is fine.
    let out = ok_bytes("schedule fastai-one-cycle --total-steps 100 --format png --size 500x300");
    assert_eq!(png_size(&out), (500, 300));
}

#[test]
fn terminal_chart_has_the_asked_size() {
    for (line, cols, rows) in [
        ("schedule one-cycle --max-lr 0.1 --total-steps 300 --format term", 80, 24),
        (
            "schedule cosine-restarts --lr 0.1 --t0 50 --t-mult 2 --steps 400 --format term --size 100x30",
            100,
            30,
        ),
        (
            "schedule --size 60x19 --format term keras-clr --cycles 3 --lr-range 0.001,0.1 --total-steps 60 --momentum-range 0.85,0.95",
            60,
            19,
        ),
    ] {
        let run = ok(&words(line));
        assert!(!run.stdout.contains('\x1b'), "no colour into a pipe");
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), rows, "{line}:\n{}", run.stdout);
        let widest = lines.iter().map(|l| l.chars().count()).max().unwrap();
        assert_eq!(widest, cols, "{line}:\n{}", run.stdout);
        assert!(lines[1] == "learning rate", "{line}:\n{}", run.stdout);
        let braille = run
            .stdout
            .chars()
            .filter(|c| ('\u{2801}'..='\u{28ff}').contains(c))
            .count();
        assert!(braille > 50, "{line}:\n{}", run.stdout);
    }
}

#[test]
fn term_to_a_file_and_csv_to_a_file() {
    let (run, path) = ok_to(
        "chart.txt",
        "schedule range-test --total-steps 50 --format term --output {out}",
    );
    assert!(run.stdout.is_empty());
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 24);
    assert!(text.starts_with("range-test (keras_one_cycle_clr LrRangeTest), 50 steps\n"));

    let (_, path) = ok_to(
        "rows.csv",
        "schedule range-test --total-steps 5 --output {out}",
    );
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 6);
    assert!(text.starts_with("step,lr\n"));
}

fn refused(args: &[&str], needle: &str) {
    let (code, out, err) = clr_bytes(args);
    assert_eq!(code, Some(2), "{args:?}: {err}");
    assert!(out.is_empty(), "{args:?}: wrote to stdout");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains(needle),
        "{args:?}: {err} does not contain {needle}"
    );
    assert!(!err.contains("panicked"));
}

/// `clr schedule one-cycle` with a valid schedule, then `extra`.
fn one_cycle<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = words("schedule one-cycle --max-lr 0.1 --total-steps 10");
    args.extend_from_slice(extra);
    args
}

#[test]
fn unwritable_outputs_exit_2() {
    let missing = scratch("no/such/dir/plot.png");
    let missing = missing.to_str().unwrap();
    for format in ["png", "svg", "term", "csv", "json"] {
        refused(
            &one_cycle(&["--format", format, "--output", missing]),
            &format!("cannot write '{missing}'"),
        );
    }
    // A directory is not a file either.
    let dir = scratch("");
    let dir = dir.to_str().unwrap();
    refused(
        &one_cycle(&["--format", "svg", "--output", dir]),
        "cannot write",
    );
    let input = suggest_fixture();
    let input = input.to_str().unwrap();
    refused(
        &["suggest", "--input", input, "--plot", missing],
        &format!("cannot write '{missing}'"),
    );
    refused(
        &["suggest", "--input", input, "--plot", "curve.jpg"],
        "invalid value for '--plot': curve.jpg: unknown image format",
    );
    refused(&one_cycle(&["--size", "0x10"]), "--size");
    refused(&one_cycle(&["--format", "gif"]), "--format");
}

#[test]
fn suggest_plots_the_curve_with_every_suggestion() {
    let (run, svg) = suggest_plot("suggest.svg");
    // The CSV is printed as without --plot.
    let csv: Vec<(String, f64)> = run
        .stdout
        .lines()
        .skip(1)
        .map(|l| {
            let (m, lr) = l.split_once(',').unwrap();
            (m.to_owned(), lr.parse().unwrap())
        })
        .collect();
    assert_eq!(csv.len(), 5);
    let (texts, series) = svg_texts(&fs::read_to_string(&svg).unwrap());
    for (method, lr) in &csv {
        let label = format!("{method} {lr:.1e}");
        assert!(texts.contains(&label), "{label} in {texts:?}");
    }
    assert_texts(
        &texts,
        &[
            "LR range test: diverge_sgd_fastai_nostop.csv",
            "learning rate (log scale)",
            "loss",
        ],
    );
    assert!(
        texts.iter().any(|t| t.starts_with("stopped at ")),
        "{texts:?}"
    );
    assert!(series >= 1);

    let (_, png) = suggest_plot("suggest.png");
    let (w, h) = png_size(&fs::read(&png).unwrap());
    assert_eq!(w, 1100);
    assert!(h >= 620);
}
