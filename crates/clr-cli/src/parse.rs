//! The option parsers every kind shares: finite numbers, counts, `A,B`
//! lists, plot sizes. Each returns clap's one-line reason on bad input.

/// `WIDTHxHEIGHT`, both at least 1 (e.g. `1200x500`).
pub fn size(text: &str) -> Result<(u32, u32), String> {
    let shape = || "expected WIDTHxHEIGHT, e.g. 1200x500".to_string();
    let (w, h) = text.trim().split_once(['x', 'X']).ok_or_else(shape)?;
    let parse = |t: &str| {
        t.trim()
            .parse::<u32>()
            .ok()
            .filter(|&v| (1..=16_384).contains(&v))
    };
    match (parse(w), parse(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(format!("{} (each between 1 and 16384)", shape())),
    }
}

/// Two numbers given as `A,B`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair(pub f64, pub f64);

/// Three numbers given as `A,B,C`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Triple(pub f64, pub f64, pub f64);

/// A finite number (`nan` and `inf` are refused here, whatever the option).
pub fn real(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| "expected a number".to_string())?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err("expected a finite number".to_string())
    }
}

/// An integer >= 0.
pub fn count(text: &str) -> Result<u64, String> {
    let text = text.trim();
    text.parse().map_err(|_| {
        if text.parse::<f64>().is_ok_and(|v| v < 0.0) {
            "expected an integer >= 0".to_string()
        } else {
            "expected a whole number".to_string()
        }
    })
}

/// An integer >= 1.
pub fn positive_count(text: &str) -> Result<u64, String> {
    match count(text) {
        Ok(0) => Err("expected an integer >= 1".to_string()),
        Ok(n) => Ok(n),
        Err(_) if text.trim().parse::<f64>().is_ok_and(|v| v < 1.0) => {
            Err("expected an integer >= 1".to_string())
        }
        Err(e) => Err(e),
    }
}

fn list<const N: usize>(text: &str) -> Result<[f64; N], String> {
    let parts: Vec<&str> = text.split(',').collect();
    let shape = || format!("expected {N} comma-separated numbers");
    if parts.len() != N {
        return Err(shape());
    }
    let mut out = [0.0; N];
    for (slot, part) in out.iter_mut().zip(parts) {
        *slot = real(part).map_err(|e| format!("{} ({e}, got '{}')", shape(), part.trim()))?;
    }
    Ok(out)
}

/// Two finite numbers `A,B`.
pub fn pair(text: &str) -> Result<Pair, String> {
    list::<2>(text).map(|[a, b]| Pair(a, b))
}

/// Three finite numbers `A,B,C`.
pub fn triple(text: &str) -> Result<Triple, String> {
    list::<3>(text).map(|[a, b, c]| Triple(a, b, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsers() {
        assert_eq!(real(" 1e-3 "), Ok(1e-3));
        assert!(real("nan").is_err());
        assert!(real("inf").is_err());
        assert!(real("x").is_err());
        assert_eq!(count("0"), Ok(0));
        assert_eq!(count("-3"), Err("expected an integer >= 0".into()));
        assert_eq!(positive_count("0"), Err("expected an integer >= 1".into()));
        assert_eq!(positive_count("-3"), Err("expected an integer >= 1".into()));
        assert_eq!(positive_count("2.5"), Err("expected a whole number".into()));
        assert_eq!(pair("0.1,1"), Ok(Pair(0.1, 1.0)));
        assert!(pair("1").is_err());
        assert!(pair("1,2,3").is_err());
        assert!(pair("1,x").is_err());
        assert_eq!(triple("1,2,3"), Ok(Triple(1.0, 2.0, 3.0)));
        assert_eq!(size("1200x500"), Ok((1200, 500)));
        assert_eq!(size(" 80X24 "), Ok((80, 24)));
        assert!(size("0x10").is_err());
        assert!(size("100").is_err());
        assert!(size("axb").is_err());
    }
}
