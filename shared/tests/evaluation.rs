//! The district evaluation on the sample data: computed for every quarter, and one district's
//! index recomputed by hand from the uploaded rows (the numbers, not only that it runs).

use std::collections::BTreeMap;

use innogauge_model::evaluation::{Framework, Method, by_region, evaluate, latest_period};
use innogauge_model::{Catalog, Dataset, Period, UploadOptions, read_upload};

fn sample() -> (String, Dataset) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sample/observations.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let upload = read_upload(Catalog::builtin(), text.as_bytes(), &UploadOptions::default());
    assert!(!upload.report.has_errors(), "{:?}", upload.report.problems.first());
    let dataset = Dataset::from_observations(&upload.observations);
    (text, dataset)
}

#[test]
fn every_quarter_of_the_sample_is_evaluated() {
    let (_, dataset) = sample();
    let (catalog, framework) = (Catalog::builtin(), Framework::builtin());
    assert_eq!(latest_period(catalog, &dataset, framework, None), Some(Period::Quarter(2025, 3)));
    for year in 2022..=2025 {
        for quarter in 1..=4u8 {
            let period = Period::Quarter(year, quarter);
            if period.month_index() > Period::Quarter(2025, 3).month_index() {
                continue;
            }
            let evaluation = evaluate(catalog, &dataset, framework, period, Method::Target);
            let rated: Vec<_> = evaluation.districts.iter().filter(|d| d.rated).collect();
            assert_eq!(rated.len(), 38, "{period}: every district has the data to be rated");
            let mut ranks: Vec<usize> = rated.iter().filter_map(|d| d.rank).collect();
            ranks.sort_unstable();
            assert_eq!(ranks[0], 1);
            for d in &rated {
                let [low, high] = d.rank_interval.unwrap();
                assert!(low <= high && (1..=38).contains(&low) && high <= 38, "{period} {}: {low}–{high}", d.name_zh);
                assert!((0.0..=100.0).contains(&d.index.unwrap()));
            }
            if year >= 2022 {
                assert!(rated.iter().all(|d| d.rank_change.is_some()), "{period}: ranks a year earlier");
            }
            let min_max = evaluate(catalog, &dataset, framework, period, Method::MinMax);
            assert_eq!(min_max.districts.iter().filter(|d| d.rated).count(), 38);
        }
    }
}

/// 永川区 at 2025Q3, from the rows of the CSV file alone.
#[test]
fn yongchuans_index_recomputed_by_hand() {
    let (text, dataset) = sample();
    let rows: BTreeMap<(String, String, String), f64> = text
        .lines()
        .skip(1)
        .map(|line| {
            let c: Vec<&str> = line.split(',').collect();
            ((c[0].to_owned(), c[1].to_owned(), c[2].to_owned()), c[3].parse::<f64>().unwrap())
        })
        .collect();
    let v = |indicator: &str, period: &str| rows[&(indicator.to_owned(), "500118".to_owned(), period.to_owned())];
    let population = v("resident_population", "2024");
    let score = |x: f64, standard: f64| (100.0 * x / standard).clamp(0.0, 100.0);
    let environment = [
        score(v("tech_smes", "2025Q3") / population, 20.0),
        score(v("science_literacy_rate", "2024"), 15.0),
        score(v("district_platforms", "2025Q3"), 1.0),
    ];
    let input =
        [score(v("rd_expenditure", "2025Q3") / v("gdp", "2025Q3") * 100.0, 3.0), score(v("rd_personnel", "2024") / population, 80.0)];
    let output = [
        score(v("invention_patents", "2025Q3") / population, 20.0),
        score(v("tech_contract_turnover", "2025Q3") / v("gdp", "2025Q3") * 100.0, 2.0),
    ];
    let industrialisation = [
        score(v("high_tech_enterprises", "2025Q3") / population, 4.0),
        score(v("hitech_zone_industrial_output", "2025Q3") / v("industrial_output", "2025Q3") * 100.0, 30.0),
        score(v("specialized_smes", "2025Q3") / population, 2.0),
    ];
    let economy = [
        score(v("gdp", "2025Q3") / population, 12.0),
        score((v("rd_expenditure", "2025Q3") / v("rd_expenditure", "2024Q3") - 1.0) * 100.0, 10.0),
    ];
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    let parts = [mean(&environment), mean(&input), mean(&output), mean(&industrialisation), mean(&economy)];
    let by_hand = mean(&parts);
    let evaluation = evaluate(Catalog::builtin(), &dataset, Framework::builtin(), Period::Quarter(2025, 3), Method::Target);
    let yongchuan = by_region(&evaluation)["500118"];
    assert!((yongchuan.index.unwrap() - by_hand).abs() < 0.006, "{:?} vs {by_hand}", yongchuan.index);
    for (part, expected) in yongchuan.parts.iter().zip(parts) {
        assert!((part.score.unwrap() - expected).abs() < 0.006, "{}: {:?} vs {expected}", part.part, part.score);
    }
    // Its rank is the number of districts with a higher index, plus one.
    let higher = evaluation.districts.iter().filter(|d| d.index.unwrap() > yongchuan.index.unwrap() + 0.005).count();
    assert_eq!(yongchuan.rank, Some(higher + 1));
    let tier = if yongchuan.index.unwrap() >= evaluation.average.unwrap() {
        1
    } else if yongchuan.index.unwrap() >= 0.8 * evaluation.average.unwrap() {
        2
    } else {
        3
    };
    assert_eq!(yongchuan.tier, Some(tier));
}
