//! Lines as drawn: clipped at the plot box and at NaN gaps (plotters does
//! not clip paths), and decimated to the image's resolution.

/// Splits a polyline into the runs inside `[x0, x1] × [y0, y1]`: non-finite
/// points break it, and a segment crossing the box is cut at its edge.
pub(crate) fn clip(points: &[(f64, f64)], x: (f64, f64), y: (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let finite = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let inside = |p: &(f64, f64)| p.0 >= x.0 && p.0 <= x.1 && p.1 >= y.0 && p.1 <= y.1;
    let flush = |current: &mut Vec<(f64, f64)>, runs: &mut Vec<Vec<(f64, f64)>>| {
        if !current.is_empty() {
            runs.push(std::mem::take(current));
        }
    };
    for (i, p) in points.iter().enumerate() {
        if !finite(p) {
            flush(&mut current, &mut runs);
            continue;
        }
        let prev = if i > 0 { points.get(i - 1) } else { None };
        match prev.filter(|q| finite(q)) {
            None => {
                if inside(p) {
                    current.push(*p);
                }
            }
            Some(q) => match clip_segment(*q, *p, x, y) {
                Some((a, b)) => {
                    if current.is_empty() || current.last() != Some(&a) {
                        flush(&mut current, &mut runs);
                        current.push(a);
                    }
                    current.push(b);
                    if b != *p {
                        flush(&mut current, &mut runs);
                    }
                }
                None => flush(&mut current, &mut runs),
            },
        }
    }
    flush(&mut current, &mut runs);
    runs
}

/// Liang–Barsky: the part of segment `a`–`b` inside the box.
fn clip_segment(
    a: (f64, f64),
    b: (f64, f64),
    x: (f64, f64),
    y: (f64, f64),
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-dx, a.0 - x.0),
        (dx, x.1 - a.0),
        (-dy, a.1 - y.0),
        (dy, y.1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            (a.0 + t * dx, a.1 + t * dy)
        }
    };
    Some((at(t0), at(t1)))
}

/// Keeps at most about `buckets × 4` points of a long series with x
/// increasing: per bucket of x, its first, lowest, highest and last point, in
/// order, so the drawn envelope is exact at image resolution.
pub(crate) fn decimate(points: &[(f64, f64)], buckets: usize) -> Vec<(f64, f64)> {
    if points.len() <= buckets.saturating_mul(4) || buckets == 0 {
        return points.to_vec();
    }
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    let (x0, x1) = (first.0, last.0);
    let width = (x1 - x0) / buckets as f64;
    if !(width > 0.0 && width.is_finite()) {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(buckets * 4);
    let mut start = 0;
    while start < points.len() {
        let b = ((points[start].0 - x0) / width).floor();
        let mut end = start + 1;
        while end < points.len() && ((points[end].0 - x0) / width).floor() == b {
            end += 1;
        }
        let chunk = &points[start..end];
        let mut keep = vec![0, chunk.len() - 1];
        let finite = chunk.iter().enumerate().filter(|(_, p)| p.1.is_finite());
        if let Some((i, _)) = finite.clone().min_by(|a, b| a.1 .1.total_cmp(&b.1 .1)) {
            keep.push(i);
        }
        if let Some((i, _)) = finite.max_by(|a, b| a.1 .1.total_cmp(&b.1 .1)) {
            keep.push(i);
        }
        // NaN gaps must survive decimation.
        keep.extend(
            chunk
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.1.is_finite())
                .map(|(i, _)| i),
        );
        keep.sort_unstable();
        keep.dedup();
        out.extend(keep.into_iter().map(|i| chunk[i]));
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_at_edges_and_breaks_on_nan() {
        let runs = clip(
            &[
                (0.0, 0.0),
                (1.0, 2.0),
                (2.0, 0.0),
                (3.0, f64::NAN),
                (4.0, 0.5),
            ],
            (0.0, 10.0),
            (0.0, 1.0),
        );
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[0], vec![(0.0, 0.0), (0.5, 1.0)]);
        assert_eq!(runs[1], vec![(1.5, 1.0), (2.0, 0.0)]);
        assert_eq!(runs[2], vec![(4.0, 0.5)]);
        let all_in = clip(
            &[(0.0, 0.5), (1.0, 0.5), (2.0, 0.5)],
            (0.0, 2.0),
            (0.0, 1.0),
        );
        assert_eq!(all_in, vec![vec![(0.0, 0.5), (1.0, 0.5), (2.0, 0.5)]]);
        assert!(clip(&[(0.0, 5.0), (1.0, 6.0)], (0.0, 1.0), (0.0, 1.0)).is_empty());
    }

    #[test]
    fn decimation_keeps_extremes_and_gaps() {
        let pts: Vec<(f64, f64)> = (0..10_000)
            .map(|i| {
                (
                    i as f64,
                    if i == 5000 {
                        f64::NAN
                    } else {
                        (i as f64).sin()
                    },
                )
            })
            .collect();
        let d = decimate(&pts, 100);
        assert!(d.len() <= 100 * 5 && d.len() > 100);
        assert!(d.iter().any(|p| p.1.is_nan()));
        let max = d
            .iter()
            .map(|p| p.1)
            .filter(|v| v.is_finite())
            .fold(f64::MIN, f64::max);
        assert!(max > 0.9999);
        assert_eq!(decimate(&pts[..10], 100).len(), 10);
    }
}
