//! Properties of the upload contract over files no one wrote by hand: random bytes and mutated
//! sample files are read without a panic (every problem is a value in the report), and a
//! valid file made from random observations reads back as exactly those observations, in
//! UTF-8, UTF-8 with BOM and GBK, with or without thousands separators.

use std::collections::BTreeSet;

use innogauge_model::{Catalog, Decimal, Indicator, Period, UploadOptions, read_upload};
use proptest::prelude::*;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/uploads").join(name)).expect("a sample upload")
}

const SAMPLES: &[&str] = &[
    "good/long_yongchuan_2025q3.csv",
    "good/wide_gbk_2025q3.csv",
    "good/wide_utf8_bom_wan.csv",
    "good/long_english_city.csv",
    "bad/bad_cells_long.csv",
];

/// What a mutation does at a position.
#[derive(Clone, Debug)]
enum Mutation {
    /// Replace the byte.
    Set(usize, u8),
    /// Insert a byte that means something to a CSV reader or a decoder.
    Insert(usize, u8),
    /// Delete a run of bytes.
    Delete(usize, usize),
    /// Repeat a run of bytes.
    Repeat(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let meaningful =
        prop::sample::select(vec![b'"', b',', b'\t', b';', b'\n', b'\r', 0x00, 0xFF, 0xFE, 0xEF, 0xBB, 0xBF, 0x81, b'%', b'-', b'.']);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Set(at, b)),
        (any::<usize>(), meaningful).prop_map(|(at, b)| Mutation::Insert(at, b)),
        (any::<usize>(), 1usize..64).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<usize>(), 1usize..64, 1usize..8).prop_map(|(at, n, times)| Mutation::Repeat(at, n, times)),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    match *mutation {
        Mutation::Set(at, b) => {
            let at = at % bytes.len();
            bytes[at] = b;
        }
        Mutation::Insert(at, b) => {
            let at = at % (bytes.len() + 1);
            bytes.insert(at, b);
        }
        Mutation::Delete(at, n) => {
            let at = at % bytes.len();
            let end = (at + n).min(bytes.len());
            bytes.drain(at..end);
        }
        Mutation::Repeat(at, n, times) => {
            let at = at % bytes.len();
            let end = (at + n).min(bytes.len());
            let run = bytes[at..end].to_vec();
            for _ in 0..times {
                bytes.splice(end..end, run.iter().copied());
            }
        }
    }
}

/// Indicators a statistician uploads, with plain units (the round trip writes no unit column).
fn uploadable() -> Vec<&'static Indicator> {
    Catalog::builtin().indicators().iter().filter(|i| i.is_uploadable()).collect()
}

/// A random observation as (indicator, district, period, value in hundredths).
fn observation() -> impl Strategy<Value = (usize, usize, i32, u8, u64)> {
    (0..uploadable().len(), 0usize..38, 2020i32..2026, 1u8..=4, 0u64..5_000_000)
}

/// A value as a statistician would type it: whole for counts, two decimals otherwise (trailing
/// zeros included: `19.00`), within the indicator's range.
fn value_of(indicator: &Indicator, hundredths: u64) -> Decimal {
    let hundredths = match indicator.max {
        Some(max) => hundredths % ((max as u64) * 100).max(1),
        None => hundredths,
    };
    if indicator.is_count() {
        Decimal::new(i128::from(hundredths / 100), 0).unwrap()
    } else {
        Decimal::new(i128::from(hundredths), 2).unwrap()
    }
}

/// `1234567.5` as `1,234,567.5`.
fn grouped(text: &str) -> String {
    let (whole, fraction) = text.split_once('.').map_or((text, None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = fraction {
        out.push('.');
        out.push_str(f);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let upload = read_upload(Catalog::builtin(), &bytes, &UploadOptions::default());
        prop_assert!(upload.report.has_errors() || upload.observations.iter().all(|o| o.value.to_f64().is_finite()));
    }

    #[test]
    fn mutated_samples_never_panic(which in 0..SAMPLES.len(), mutations in proptest::collection::vec(mutation(), 1..6)) {
        let mut bytes = sample(SAMPLES[which]);
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let upload = read_upload(Catalog::builtin(), &bytes, &UploadOptions::default());
        let catalog = Catalog::builtin();
        if !upload.report.has_errors() {
            for o in &upload.observations {
                prop_assert!(o.value.to_f64().is_finite() && o.value >= Decimal::ZERO, "{o:?}");
                prop_assert!(catalog.indicator(&o.indicator).is_some() && catalog.region(&o.region).is_some());
            }
        }
        for problem in &upload.report.problems {
            prop_assert!(!problem.message.zh.is_empty() && !problem.message.en.is_empty());
        }
    }

    #[test]
    fn a_valid_file_reads_back_as_written(
        rows in proptest::collection::vec(observation(), 1..60),
        encoding in 0u8..3,
        thousands in any::<bool>(),
    ) {
        let catalog = Catalog::builtin();
        let indicators = uploadable();
        let districts: Vec<_> = catalog.districts().collect();
        let mut seen = BTreeSet::new();
        let mut expected = Vec::new();
        let mut text = String::from("指标,地区,时期,数值\n");
        for (i, d, year, quarter, hundredths) in rows {
            let (indicator, district) = (indicators[i], districts[d]);
            let period = Period::Quarter(year, quarter);
            if !seen.insert((indicator.id.clone(), district.code.clone(), period.month_index())) {
                continue;
            }
            let value = value_of(indicator, hundredths);
            let written = if thousands { grouped(&value.to_string()) } else { value.to_string() };
            text.push_str(&format!("{},{},{},\"{written}\"\n", indicator.name_zh, district.name_zh, period));
            expected.push((indicator.id.to_string(), district.code.to_string(), period, value));
        }
        let bytes = match encoding {
            0 => text.into_bytes(),
            1 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            _ => encoding_rs::GBK.encode(&text).0.into_owned(),
        };
        let upload = read_upload(catalog, &bytes, &UploadOptions::default());
        prop_assert!(!upload.report.has_errors(), "{:?}", upload.report.problems);
        let read: Vec<(String, String, Period, String)> =
            upload.observations.iter().map(|o| (o.indicator.to_string(), o.region.to_string(), o.period, o.value.to_string())).collect();
        // Digit for digit: `19.00` reads back as `19.00`.
        let expected: Vec<(String, String, Period, String)> = expected.into_iter().map(|(i, r, p, v)| (i, r, p, v.to_string())).collect();
        prop_assert_eq!(read, expected);
    }
}
