use super::*;

// ---------------------------------------------------------------------------
// 7. iter() has total_steps items, and fill() matches at().
// ---------------------------------------------------------------------------

pub(crate) fn iter_and_fill<S: Schedule<f64>>(
    s: &S,
    len: usize,
    first: u64,
) -> Result<(), TestCaseError> {
    match s.total_steps() {
        Some(n) => {
            prop_assert_eq!(s.iter().size_hint(), (n as usize, Some(n as usize)));
            if n <= 20_000 {
                prop_assert_eq!(s.iter().count() as u64, n);
            }
        }
        None => prop_assert_eq!(s.iter().size_hint().1, None),
    }
    for (k, v) in s.iter().take(64).enumerate() {
        prop_assert_eq!(v.to_bits(), s.at(k as u64).to_bits(), "iter at {}", k);
    }
    let mut buf = vec![f64::NAN; len];
    s.fill(&mut buf, first);
    for (i, v) in buf.iter().enumerate() {
        let k = first.saturating_add(i as u64);
        prop_assert_eq!(v.to_bits(), s.at(k).to_bits(), "fill at {}", k);
    }
    Ok(())
}

pub(crate) fn fill_start() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..200, any::<u64>(), (u64::MAX - 40)..=u64::MAX]
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn iter_and_fill_agree_with_at(
        (one, fit, keras) in (one_cycle_lr(), fit_one_cycle(), keras_one_cycle()),
        (clr, cyclic, restarts, sweep) in (keras_clr(), cyclic_lr(), cosine_restarts(), lr_sweep()),
        len in 0usize..48,
        first in fill_start(),
    ) {
        let one = one.build()?;
        iter_and_fill(&one.lr(), len, first)?;
        if let Some(m) = one.momentum() {
            iter_and_fill(&m, len, first)?;
        }
        let fit = fit.build()?;
        iter_and_fill(&fit.lr(), len, first)?;
        iter_and_fill(&fit.momentum().unwrap(), len, first)?;
        iter_and_fill(&keras.build()?.lr(), len, first)?;
        iter_and_fill(&clr.build_keras()?.lr(), len, first)?;
        iter_and_fill(&clr.build_fixed()?.lr(), len, first)?;
        iter_and_fill(&cyclic.build()?.lr(), len, first)?;
        iter_and_fill(&restarts.build()?, len, first)?;
        iter_and_fill(&sweep.build()?, len, first)?;
        iter_and_fill(&Constant::new(0.25)?, len, first)?;
    }
}
