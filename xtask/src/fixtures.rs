//! `cargo xtask fixtures`: writes the realistic sample data and the sample uploads under
//! `fixtures/`. Deterministic (a fixed-seed generator), so running it twice changes nothing
//! and a diff of the files shows exactly what a change to the generator did.
//!
//! Public figures (see README "Sample data"): tech-based enterprises 36,900 (2021) and 42,989
//! (2022); high-tech enterprises 5,108 (2021) and 6,348 (2022); R&D spending 526.79 亿元
//! (2020), 603.8 (2021), 686.6 (2022); scientific literacy 10.20 % (2020). The city totals of
//! the generated district values add up to them exactly. Everything else is illustrative.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use innogauge_model::Catalog;

/// xorshift64*: small, deterministic, good enough for plausible noise.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[low, high)`.
    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next()
    }
}

/// A district with its illustrative size and growth offsets.
struct District {
    code: String,
    size: f64,
    growth: f64,
    group: String,
}

/// Relative economic size of the larger districts (illustrative); others get a size by group.
const SIZES: &[(&str, f64)] = &[
    ("500112", 6.0), // 渝北
    ("500107", 4.5), // 九龙坡
    ("500106", 4.2), // 沙坪坝 (science city)
    ("500105", 3.6), // 江北
    ("500108", 3.2), // 南岸
    ("500109", 2.8), // 北碚
    ("500103", 2.6), // 渝中
    ("500113", 2.4), // 巴南
    ("500104", 1.4), // 大渡口
    ("500118", 2.3), // 永川
    ("500116", 2.2), // 江津
    ("500120", 2.1), // 璧山
    ("500102", 2.0), // 涪陵
    ("500117", 1.6), // 合川
    ("500153", 1.5), // 荣昌
    ("500101", 1.5), // 万州
    ("500115", 1.3), // 长寿
    ("500111", 1.2), // 大足
    ("500151", 1.2), // 铜梁
];

fn districts(catalog: &Catalog, rng: &mut Rng) -> Vec<District> {
    catalog
        .districts()
        .map(|d| {
            let group = d.group.clone().unwrap_or_default();
            let default = match group.as_str() {
                "central_urban" => 2.0,
                "new_urban" => 1.0,
                "northeast" => 0.45,
                _ => 0.3,
            };
            let size = SIZES.iter().find(|(c, _)| *c == &*d.code).map_or(default, |(_, s)| *s) * rng.between(0.9, 1.1);
            District { code: d.code.to_string(), size, growth: rng.between(-0.05, 0.05), group }
        })
        .collect()
}

/// Splits `total` (in the smallest unit) by `weights` so that the parts add up exactly
/// (largest remainder).
fn allocate(total: i64, weights: &[f64]) -> Vec<i64> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<i64> = exact.iter().map(|x| x.floor() as i64).collect();
    let mut short = total - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for &i in order.iter().cycle() {
        if short <= 0 {
            break;
        }
        parts[i] += 1;
        short -= 1;
    }
    parts
}

const QUARTERS: [(i32, u8); 19] = [
    (2021, 1),
    (2021, 2),
    (2021, 3),
    (2021, 4),
    (2022, 1),
    (2022, 2),
    (2022, 3),
    (2022, 4),
    (2023, 1),
    (2023, 2),
    (2023, 3),
    (2023, 4),
    (2024, 1),
    (2024, 2),
    (2024, 3),
    (2024, 4),
    (2025, 1),
    (2025, 2),
    (2025, 3),
];

/// The rows of the sample data set, keyed for a stable order.
#[derive(Default)]
struct Rows(BTreeMap<(String, String, i32, String), String>);

impl Rows {
    fn add(&mut self, indicator: &str, region: &str, period: &str, month_index: i32, value: String) {
        self.0.insert((indicator.to_owned(), region.to_owned(), month_index, period.to_owned()), value);
    }

    fn to_csv(&self) -> String {
        let mut out = String::from("indicator,region,period,value\n");
        for ((indicator, region, _, period), value) in &self.0 {
            let _ = writeln!(out, "{indicator},{region},{period},{value}");
        }
        out
    }
}

fn month_index(year: i32, month: u8) -> i32 {
    year * 12 + i32::from(month) - 1
}

fn fixed(units: i64, decimals: u32) -> String {
    if decimals == 0 {
        return units.to_string();
    }
    let scale = 10i64.pow(decimals);
    format!("{}.{:0width$}", units / scale, units % scale, width = decimals as usize)
}

/// A stock with city year-end anchors, interpolated geometrically within each year and split
/// over districts whose shares drift with their growth offsets.
fn stock(rows: &mut Rows, indicator: &str, anchors: &[(i32, f64)], districts: &[District], share: impl Fn(&District) -> f64) {
    let anchor = |y: i32| anchors.iter().find(|(year, _)| *year == y).map(|(_, v)| *v).unwrap_or(f64::NAN);
    for (year, quarter) in QUARTERS {
        let (from, to) = (anchor(year - 1), anchor(year));
        let city = (from * (to / from).powf(f64::from(quarter) / 4.0)).round() as i64;
        let t = f64::from(year - 2021) + f64::from(quarter) / 4.0;
        let weights: Vec<f64> = districts.iter().map(|d| share(d) * (1.0 + d.growth).powf(t)).collect();
        for (d, value) in districts.iter().zip(allocate(city, &weights)) {
            rows.add(indicator, &d.code, &format!("{year}Q{quarter}"), month_index(year, quarter * 3), value.to_string());
        }
    }
}

/// A flow reported year-to-date: annual city anchors × cumulative quarterly shares, split over
/// districts; `decimals` places.
fn flow(
    rows: &mut Rows,
    indicator: &str,
    anchors: &[(i32, f64)],
    years: std::ops::RangeInclusive<i32>,
    decimals: u32,
    districts: &[District],
    share: impl Fn(&District) -> f64,
) {
    const YTD: [f64; 4] = [0.17, 0.40, 0.64, 1.0];
    let scale = 10f64.powi(decimals as i32);
    for year in years {
        let Some(&(_, annual)) = anchors.iter().find(|(y, _)| *y == year) else { continue };
        let t = f64::from(year - 2020);
        let weights: Vec<f64> = districts.iter().map(|d| share(d) * (1.0 + d.growth).powf(t)).collect();
        for quarter in 1..=4u8 {
            if year == 2025 && quarter == 4 {
                break;
            }
            let city = (annual * YTD[usize::from(quarter - 1)] * scale).round() as i64;
            for (d, value) in districts.iter().zip(allocate(city, &weights)) {
                rows.add(indicator, &d.code, &format!("{year}Q{quarter}"), month_index(year, quarter * 3), fixed(value, decimals));
            }
        }
    }
}

/// City-level (or one region's) event counts per quarter, written year-to-date.
fn events(rows: &mut Rows, indicator: &str, region: &str, per_year: &[(i32, [u32; 4])]) {
    for &(year, quarters) in per_year {
        let mut ytd = 0;
        for (i, count) in quarters.iter().enumerate() {
            let quarter = u8::try_from(i + 1).unwrap_or(4);
            if year == 2025 && quarter == 4 {
                break;
            }
            ytd += count;
            rows.add(indicator, region, &format!("{year}Q{quarter}"), month_index(year, quarter * 3), ytd.to_string());
        }
    }
}

/// A city-level stock given quarter by quarter from 2021Q1.
fn city_stock(rows: &mut Rows, indicator: &str, values: &[u32]) {
    for ((year, quarter), value) in QUARTERS.iter().zip(values) {
        rows.add(indicator, "500000", &format!("{year}Q{quarter}"), month_index(*year, quarter * 3), value.to_string());
    }
}

fn sample_rows(catalog: &Catalog) -> Rows {
    let mut rng = Rng(0x1A2B_3C4D_5E6F_7081);
    let districts = districts(catalog, &mut rng);
    let mut rows = Rows::default();
    // Enterprises: 2021 and 2022 are public; the rest is illustrative.
    let size = |d: &District| d.size;
    stock(
        &mut rows,
        "tech_smes",
        &[(2020, 31_500.0), (2021, 36_900.0), (2022, 42_989.0), (2023, 46_850.0), (2024, 50_600.0), (2025, 53_900.0)],
        &districts,
        size,
    );
    stock(
        &mut rows,
        "high_tech_enterprises",
        &[(2020, 4_222.0), (2021, 5_108.0), (2022, 6_348.0), (2023, 7_062.0), (2024, 7_580.0), (2025, 8_120.0)],
        &districts,
        |d| d.size.powf(1.2),
    );
    stock(
        &mut rows,
        "specialized_smes",
        &[(2020, 820.0), (2021, 1_310.0), (2022, 2_050.0), (2023, 2_840.0), (2024, 3_520.0), (2025, 4_060.0)],
        &districts,
        size,
    );
    // R&D spending, 2020–2022 public; districts grow at different speeds around the city's.
    flow(
        &mut rows,
        "rd_expenditure",
        &[(2020, 526.79), (2021, 603.8), (2022, 686.6), (2023, 752.4), (2024, 826.1), (2025, 905.0)],
        2020..=2025,
        2,
        &districts,
        |d| d.size.powf(1.3),
    );
    flow(
        &mut rows,
        "gdp",
        &[(2020, 25_003.0), (2021, 27_894.0), (2022, 29_129.0), (2023, 30_146.0), (2024, 32_193.0), (2025, 33_900.0)],
        2020..=2025,
        2,
        &districts,
        |d| d.size.powf(0.8),
    );
    flow(
        &mut rows,
        "industrial_output",
        &[(2021, 24_050.0), (2022, 25_420.0), (2023, 26_310.0), (2024, 27_760.0), (2025, 28_900.0)],
        2021..=2025,
        2,
        &districts,
        |d| d.size,
    );
    // High-tech zones in a dozen districts; the city share climbs from 25.5 % toward 29.6 %.
    let zone_hosts =
        ["500106", "500107", "500109", "500112", "500118", "500120", "500116", "500153", "500102", "500101", "500117", "500151"];
    let shares = [(2021, 0.255), (2022, 0.266), (2023, 0.276), (2024, 0.286), (2025, 0.296)];
    let output: BTreeMap<i32, f64> =
        [(2021, 24_050.0), (2022, 25_420.0), (2023, 26_310.0), (2024, 27_760.0), (2025, 28_900.0)].into_iter().collect();
    let zone_anchors: Vec<(i32, f64)> = shares.iter().map(|(y, s)| (*y, (output[y] * s * 100.0).round() / 100.0)).collect();
    flow(&mut rows, "hitech_zone_industrial_output", &zone_anchors, 2021..=2025, 2, &districts, |d| {
        if zone_hosts.contains(&d.code.as_str()) { d.size } else { 0.0 }
    });
    // One platform per district: 12 districts in 2021 … 35 by 2025 Q3.
    let mut order: Vec<usize> = (0..districts.len()).collect();
    order.sort_by(|&a, &b| districts[b].size.total_cmp(&districts[a].size));
    let platforms = [(2021, 12.0), (2022, 18.0), (2023, 25.0), (2024, 31.0), (2025, 36.0)];
    for (year, quarter) in QUARTERS {
        let (from, to) = (
            platforms.iter().find(|(y, _)| *y == year - 1).map_or(8.0, |(_, v)| *v),
            platforms.iter().find(|(y, _)| *y == year).map_or(38.0, |(_, v)| *v),
        );
        let count = (from + (to - from) * f64::from(quarter) / 4.0).floor() as usize;
        for (rank, &i) in order.iter().enumerate() {
            let has = u8::from(rank < count);
            rows.add(
                "district_platforms",
                &districts[i].code,
                &format!("{year}Q{quarter}"),
                month_index(year, quarter * 3),
                has.to_string(),
            );
        }
    }
    // New national innovative counties: 璧山 from 2023 Q4, 荣昌 from 2025 Q2 (illustrative).
    for (year, quarter) in QUARTERS {
        let at = month_index(year, quarter * 3);
        for d in &districts {
            let created = match d.code.as_str() {
                "500120" => at >= month_index(2023, 12),
                "500153" => at >= month_index(2025, 6),
                _ => false,
            };
            rows.add("national_innovative_counties", &d.code, &format!("{year}Q{quarter}"), at, u8::from(created).to_string());
        }
    }
    // Scientific literacy: annual survey; 2020 city value public.
    let city_literacy = [(2020, 10.20), (2021, 11.42), (2022, 12.35), (2023, 13.41), (2024, 14.33)];
    for (year, value) in city_literacy {
        rows.add("science_literacy_rate", "500000", &year.to_string(), month_index(year, 12), format!("{value:.2}"));
        for d in &districts {
            let offset = match d.group.as_str() {
                "central_urban" => 2.1,
                "new_urban" => -0.4,
                "northeast" => -2.2,
                _ => -2.8,
            } + d.growth * 10.0;
            rows.add("science_literacy_rate", &d.code, &year.to_string(), month_index(year, 12), format!("{:.2}", value + offset));
        }
    }
    // Talent: annual.
    for (year, personnel, fte) in
        [(2021, 158_000.0, 98_500.0), (2022, 171_300.0, 106_900.0), (2023, 184_600.0, 115_800.0), (2024, 197_200.0, 124_100.0)]
    {
        let weights: Vec<f64> = districts.iter().map(|d| d.size.powf(1.2) * (1.0 + d.growth).powi(year - 2020)).collect();
        for (d, v) in districts.iter().zip(allocate(personnel as i64, &weights)) {
            rows.add("rd_personnel", &d.code, &year.to_string(), month_index(year, 12), v.to_string());
        }
        for (d, v) in districts.iter().zip(allocate(fte as i64, &weights)) {
            rows.add("rd_fte", &d.code, &year.to_string(), month_index(year, 12), v.to_string());
        }
    }
    // Context of the district evaluation (illustrative): residents (万人, year end), invention
    // patents in force (quarterly), technology contract turnover (亿元, year to date).
    for (year, residents) in [(2020, 3_205.42), (2021, 3_212.43), (2022, 3_213.34), (2023, 3_191.43), (2024, 3_190.47)] {
        let weights: Vec<f64> = districts.iter().map(|d| d.size.powf(0.55)).collect();
        for (d, v) in districts.iter().zip(allocate((residents * 100.0_f64).round() as i64, &weights)) {
            rows.add("resident_population", &d.code, &year.to_string(), month_index(year, 12), fixed(v, 2));
        }
    }
    stock(
        &mut rows,
        "invention_patents",
        &[(2020, 31_800.0), (2021, 38_900.0), (2022, 46_600.0), (2023, 54_700.0), (2024, 62_900.0), (2025, 70_800.0)],
        &districts,
        |d| d.size.powf(1.5),
    );
    flow(
        &mut rows,
        "tech_contract_turnover",
        &[(2021, 390.0), (2022, 470.0), (2023, 560.0), (2024, 655.0), (2025, 740.0)],
        2021..=2025,
        2,
        &districts,
        |d| d.size.powf(1.6),
    );
    // 市科协 activities (seed 002 targets for 2023), city level.
    let per_year = |counts: [[u32; 4]; 5]| -> Vec<(i32, [u32; 4])> { (2021..=2025).zip(counts).collect() };
    events(&mut rows, "bimonthly_forums", "500000", &per_year([[1, 2, 1, 2], [1, 2, 2, 1], [1, 1, 1, 1], [2, 1, 2, 1], [1, 2, 1, 0]]));
    events(
        &mut rows,
        "expert_district_visits",
        "500000",
        &per_year([[0, 1, 1, 1], [1, 1, 0, 1], [0, 1, 1, 1], [1, 1, 1, 1], [1, 0, 1, 0]]),
    );
    events(
        &mut rows,
        "experts_engaged",
        "500000",
        &per_year([[0, 9, 11, 8], [7, 10, 0, 9], [0, 12, 10, 12], [9, 11, 10, 12], [10, 0, 12, 0]]),
    );
    events(
        &mut rows,
        "enterprise_problems_solved",
        "500000",
        &per_year([[0, 5, 6, 4], [4, 5, 0, 6], [0, 6, 5, 7], [5, 6, 6, 7], [6, 0, 7, 0]]),
    );
    events(
        &mut rows,
        "innovation_method_courses",
        "500000",
        &per_year([[1, 1, 0, 1], [1, 1, 1, 1], [1, 2, 1, 1], [1, 1, 1, 2], [1, 1, 1, 0]]),
    );
    events(
        &mut rows,
        "innovation_engineers_trained",
        "500000",
        &per_year([[40, 45, 0, 50], [45, 50, 40, 45], [48, 62, 50, 52], [50, 55, 52, 60], [52, 58, 55, 0]]),
    );
    events(&mut rows, "patent_info_trainings", "500000", &per_year([[1, 1, 1, 1], [1, 1, 0, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 0]]));
    events(&mut rows, "patent_db_new_users", "500000", &per_year([[5, 6, 8, 7], [6, 7, 6, 8], [6, 7, 7, 7], [8, 8, 9, 8], [8, 9, 9, 0]]));
    events(
        &mut rows,
        "patent_engineers_trained",
        "500000",
        &per_year([[40, 50, 45, 50], [45, 55, 40, 50], [50, 52, 48, 55], [52, 55, 50, 58], [55, 56, 54, 0]]),
    );
    city_stock(&mut rows, "expert_service_teams", &[13, 13, 13, 13, 13, 14, 14, 15, 15, 16, 17, 17, 17, 17, 17, 18, 18, 18, 18]);
    city_stock(&mut rows, "municipal_pilot_districts", &[10, 10, 11, 11, 11, 12, 12, 12, 13, 13, 14, 14, 14, 15, 15, 15, 15, 16, 16]);
    // Yongchuan pilot city (seed 001 task list): the matchmaking fair missed its second
    // session in 2022, so that cadence shows as behind.
    events(&mut rows, "yc_big_data_forums", "500118", &per_year([[0, 0, 1, 0], [0, 0, 1, 0], [0, 0, 1, 0], [0, 0, 1, 0], [0, 0, 1, 0]]));
    events(
        &mut rows,
        "yc_tech_matchmaking_fairs",
        "500118",
        &per_year([[0, 1, 0, 1], [0, 1, 0, 0], [0, 1, 0, 1], [0, 1, 0, 1], [0, 1, 0, 0]]),
    );
    events(
        &mut rows,
        "yc_tech_promotion_events",
        "500118",
        &per_year([[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 0, 1], [0, 1, 1, 0], [1, 0, 1, 0]]),
    );
    events(&mut rows, "yc_startup_roadshows", "500118", &per_year([[0, 1, 0, 0], [0, 0, 1, 1], [0, 1, 0, 0], [0, 1, 0, 1], [0, 1, 0, 0]]));
    events(&mut rows, "yc_cloud_classes", "500118", &per_year([[1, 2, 1, 2], [2, 1, 2, 1], [1, 2, 2, 1], [2, 1, 2, 1], [1, 2, 1, 0]]));
    rows
}

/// Writes every generated fixture under `root/fixtures`.
pub fn generate(root: &Path) -> Result<()> {
    let catalog = Catalog::builtin();
    let rows = sample_rows(catalog);
    let fixtures = root.join("fixtures");
    write(&fixtures.join("sample/observations.csv"), rows.to_csv().as_bytes())?;
    uploads(catalog, &rows, &fixtures.join("uploads"))?;
    println!("wrote {} sample observations and the sample uploads under {}", rows.0.len(), fixtures.display());
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable, "GB18030 encodes all of Unicode");
    bytes.into_owned()
}

/// Sample uploads as statisticians make them, consistent with the sample data.
fn uploads(catalog: &Catalog, rows: &Rows, dir: &Path) -> Result<()> {
    let value = |indicator: &str, region: &str, period: &str| -> String {
        rows.0.iter().find(|((i, r, _, p), _)| i == indicator && r == region && p == period).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    let thousands = |v: &str| -> String {
        let n: i64 = v.parse().unwrap_or(0);
        innogauge_model::format::format_number(n as f64, 0)
    };
    // 1. Wide, GBK, title row, blank row, 合计 row, footer: Excel's default on Chinese Windows.
    let mut wide = String::from(
        "2025年1-9月重庆市各区县科技创新主要指标,,,,\n,,,,\n序号,地区,科技型企业（家）,高新技术企业（家）,全社会研发经费投入（亿元）\n",
    );
    let (mut smes, mut hte, mut rd) = (0i64, 0i64, 0i64);
    for (i, d) in catalog.districts().enumerate() {
        let (a, b, c) = (
            value("tech_smes", &d.code, "2025Q3"),
            value("high_tech_enterprises", &d.code, "2025Q3"),
            value("rd_expenditure", &d.code, "2025Q3"),
        );
        smes += a.parse::<i64>().unwrap_or(0);
        hte += b.parse::<i64>().unwrap_or(0);
        rd += (c.parse::<f64>().unwrap_or(0.0) * 100.0).round() as i64;
        let _ = writeln!(wide, "{},{},\"{}\",\"{}\",{}", i + 1, d.name_zh, thousands(&a), thousands(&b), c);
    }
    let total_row = |smes: i64| {
        format!(
            ",合计,\"{}\",\"{}\",{}\n",
            innogauge_model::format::format_number(smes as f64, 0),
            innogauge_model::format::format_number(hte as f64, 0),
            fixed(rd, 2)
        )
    };
    let footer = "注：数据为初步统计，以正式公布为准。,,,,\n";
    write(&dir.join("good/wide_gbk_2025q3.csv"), &gbk(&format!("{wide}{}{footer}", total_row(smes))))?;
    // 2. The same with a 合计 that disagrees with the districts (a warning, not an error).
    write(&dir.join("good/wide_gbk_total_mismatch.csv"), &gbk(&format!("{wide}{}{footer}", total_row(smes + 12))))?;
    // 3. Wide, UTF-8 with BOM, enterprises in 万家, period given by the caller (no title).
    let mut bom = String::from("\u{FEFF}区县,科技型企业(万家),“专精特新”中小企业数量（家）,备注\n");
    for d in catalog.districts().filter(|d| d.group.as_deref() == Some("new_urban")) {
        let smes: i64 = value("tech_smes", &d.code, "2025Q2").parse().unwrap_or(0);
        let wan = format!("{}.{:04}", smes / 10_000, smes % 10_000);
        let note = if &*d.code == "500118" { "含新认定企业" } else { "" };
        let _ = writeln!(bom, "{},{},{},{}", d.short_zh, wan, value("specialized_smes", &d.code, "2025Q2"), note);
    }
    write(&dir.join("good/wide_utf8_bom_wan.csv"), bom.as_bytes())?;
    // 4. Long, Chinese headers, names full/short/code, Chinese periods, a Yongchuan statistician's file.
    let mut long = String::from("指标,地区,时期,数值,备注\n");
    for (indicator, name) in
        [("tech_smes", "科技型企业数量"), ("high_tech_enterprises", "高新技术企业"), ("specialized_smes", "专精特新中小企业")]
    {
        for (period, label) in [("2025Q2", "2025年第二季度"), ("2025Q3", "2025年三季度")] {
            let v = value(indicator, "500118", period);
            let _ = writeln!(long, "{name},永川区,{label},\"{}\",", thousands(&v));
        }
    }
    let _ = writeln!(long, "全社会研发经费投入,永川,2025年1-9月,{},累计", value("rd_expenditure", "500118", "2025Q3"));
    let _ = writeln!(long, "技洽会,500118,2025年1-9月,{},上半年举办1次", value("yc_tech_matchmaking_fairs", "500118", "2025Q3"));
    write(&dir.join("good/long_yongchuan_2025q3.csv"), long.as_bytes())?;
    // 5. Long, English headers and ids, the city's activity counts.
    let mut english = String::from("indicator,region,period,value,note\n");
    for indicator in ["bimonthly_forums", "experts_engaged", "innovation_engineers_trained"] {
        let _ = writeln!(english, "{indicator},500000,2025-Q3,{},", value(indicator, "500000", "2025Q3"));
    }
    let _ = writeln!(english, "science_literacy_rate,500000,2024,14.33%,annual survey");
    write(&dir.join("good/long_english_city.csv"), english.as_bytes())?;
    // 6. The 永川 statistician's file that also has a 江北 row (scope error with their token).
    let scope = format!(
        "指标,地区,时期,数值\n科技型企业数量,永川区,2025Q3,{}\n科技型企业数量,江北区,2025Q3,{}\n",
        value("tech_smes", "500118", "2025Q3"),
        value("tech_smes", "500105", "2025Q3")
    );
    write(&dir.join("bad/scope_jiangbei.csv"), scope.as_bytes())?;
    // 7. Every kind of cell error in one long file (row numbers are asserted in cases.toml).
    let bad_values = "\
指标,地区,时期,数值,备注
科技型企业数量,永川区,2025Q3,12a,
科技型企业数量,江津区,2025Q3,\"12,34\",
高新技术企业数量,璧山区,2025Q3,-5,
高新技术企业数量,荣昌区,2025Q3,100.5,
专精特新中小企业,铜梁区,2025Q3,12%,
公民具备科学素质的比例,永川区,2024,120,
科技企业数,永川区,2025Q3,100,
科技型企业数量,永川市,2025Q3,100,
科技型企业数量,大足区,2025Q5,100,
科技型企业数量,合川区,2025Q3,2000,
科技型企业数量,合川区,2025年第三季度,2100,
高新区工业总产值占全市比重,永川区,2025Q3,30,
科技型企业数量,潼南区,2025Q3
科技型企业数量,南川区,2025Q3,300,,多出来的
科技型企业数量,涪陵区,2025Q3,—,暂无数据
";
    write(&dir.join("bad/bad_cells_long.csv"), bad_values.as_bytes())?;
    // 8. A GBK file with one corrupt byte on row 3.
    let mut corrupt = gbk("指标,地区,时期,数值\n科技型企业数量,永川区,2025Q3,1000\n科技型企业数量,江津区,2025Q3,900\n");
    let at = corrupt.iter().rposition(|&b| b == b'\n').unwrap_or(0) - 3;
    corrupt[at] = 0x81;
    corrupt[at + 1] = 0x20;
    write(&dir.join("bad/encoding_gbk_corrupt.csv"), &corrupt)?;
    // 9. A wide file with header problems: no period, an unknown column, a unit that cannot
    //    be converted and a derived indicator.
    let header = "\
地区,科技型企业（家）,科技企业个数（家）,高新技术企业（亿元）,高新区工业总产值占比（%）
永川区,1000,1000,200,30
江津区,900,900,180,25
";
    write(&dir.join("bad/wide_header_problems.csv"), header.as_bytes())?;
    // 10. Not a table this contract knows.
    write(&dir.join("bad/no_header.csv"), "姓名,电话\n张三,13800000000\n".as_bytes())?;
    // 11. A wide file naming one indicator twice (科技型企业数 is an alias of 科技型企业数量).
    let duplicate = "2025年1-9月,,\n地区,科技型企业（家）,科技型企业数（家）\n永川区,1000,1000\n";
    write(&dir.join("bad/duplicate_label.csv"), duplicate.as_bytes())?;
    // 12. A long file with data under a blank header cell.
    let blank = "指标,地区,时期,数值,\n科技型企业数量,永川区,2025Q3,1000,\n科技型企业数量,江津区,2025Q3,900,x\n";
    write(&dir.join("bad/blank_header.csv"), blank.as_bytes())?;
    Ok(())
}
