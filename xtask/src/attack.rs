//! `cargo xtask attack`: writes the corpus of hostile uploads in `fixtures/uploads/attack/`,
//! each the smallest file we could make that claims the largest work, and `cases.toml` with the
//! answer each must get. The api's `attack` test sends every file to a live server and checks
//! the answer, that the server lives, that its memory stays under the stated bound, and that
//! the store did not change.
//!
//! Made here, not by hand, so that each file says how it was built and can be rebuilt larger.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use zip::write::SimpleFileOptions;

/// One hostile upload and what the server must answer.
struct Case {
    file: &'static str,
    /// How it is sent: `text/csv`, `xlsx` (the workbook type), or any other type.
    content_type: &'static str,
    status: u16,
    /// The problem code of a rejected upload (422/413), or the error code otherwise.
    code: &'static str,
    why: &'static str,
}

const CASES: &[Case] = &[
    Case {
        file: "xfd1048576.xlsx",
        content_type: "xlsx",
        status: 422,
        code: "too-many-rows",
        why: "two cells, A1 and XFD1048576: a dense reader asks for 17 billion cells",
    },
    Case {
        file: "sparse_xfd2000.xlsx",
        content_type: "xlsx",
        status: 422,
        code: "too-many-columns",
        why: "A1 and XFD2000: 33 million cells dense",
    },
    Case {
        file: "bad_cell_reference.xlsx",
        content_type: "xlsx",
        status: 422,
        code: "encoding-error",
        why: "a cell reference ZZZZZZZZ99999999999 that panicked calamine's parser",
    },
    Case {
        file: "sheet_bomb.xlsx",
        content_type: "xlsx",
        status: 413,
        code: "file-too-large",
        why: "a sheet that inflates 1,000 times (about a gigabyte) from a megabyte",
    },
    Case {
        file: "shared_strings_bomb.xlsx",
        content_type: "xlsx",
        status: 413,
        code: "file-too-large",
        why: "shared strings calamine would hold in memory whole, inflating 1,000 times",
    },
    Case { file: "many_parts.xlsx", content_type: "xlsx", status: 413, code: "file-too-large", why: "5,000 zip entries" },
    Case {
        file: "million_cells.xlsx",
        content_type: "xlsx",
        status: 422,
        code: "too-many-rows",
        why: "a 5,200 x 1,000 block of numbers: within the rows and columns, over the cell limit",
    },
    Case {
        file: "not_a_zip.xlsx",
        content_type: "xlsx",
        status: 415,
        code: "unsupported-media-type",
        why: "text named .xlsx and sent as a workbook",
    },
    Case {
        file: "old_format.xls",
        content_type: "application/vnd.ms-excel",
        status: 415,
        code: "unsupported-media-type",
        why: "an OLE (.xls) file, which calamine reads into a dense range sized by the file's claims",
    },
    Case {
        file: "garbage_rows.csv",
        content_type: "text/csv",
        status: 422,
        code: "too-many-errors",
        why: "a million rows of unknown indicators: a 'did you mean' each, once 60 s of CPU",
    },
    Case { file: "wide_header.csv", content_type: "text/csv", status: 422, code: "missing-header", why: "one row of 500,000 columns" },
    Case {
        file: "unknown_columns.csv",
        content_type: "text/csv",
        status: 422,
        code: "unknown-column",
        why: "a wide header of one indicator and a million cells naming nothing: a million suggestions and messages",
    },
    Case { file: "blank_lines.csv", content_type: "text/csv", status: 422, code: "empty-file", why: "ten million line breaks" },
    Case {
        file: "unclosed_quote.csv",
        content_type: "text/csv",
        status: 422,
        code: "multiline-cell",
        why: "a quote that never closes swallows every row after it (the review's …,265,\"oops)",
    },
    Case {
        file: "unclosed_quote_last_row.csv",
        content_type: "text/csv",
        status: 422,
        code: "unclosed-quote",
        why: "a quote opened in the last row that never closes",
    },
    Case {
        file: "swallowed_rows.csv",
        content_type: "text/csv",
        status: 422,
        code: "multiline-cell",
        why: "a quote that closes ten rows later",
    },
    Case {
        file: "header_only.csv",
        content_type: "text/csv",
        status: 422,
        code: "empty-file",
        why: "a header and nothing else, once committed as an empty upload",
    },
    Case { file: "too_many_rows.csv", content_type: "text/csv", status: 422, code: "too-many-rows", why: "1,000,001 short rows" },
    Case { file: "nul_bytes.csv", content_type: "text/csv", status: 415, code: "unsupported-media-type", why: "binary bytes sent as CSV" },
    Case { file: "png_as_csv.csv", content_type: "text/csv", status: 415, code: "unsupported-media-type", why: "a PNG named .csv" },
    Case {
        file: "bad_utf16.csv",
        content_type: "text/csv",
        status: 422,
        code: "encoding-error",
        why: "a UTF-16 byte order mark and an odd number of bytes",
    },
];

/// Writes the corpus.
pub fn generate(root: &Path) -> Result<()> {
    let dir = root.join("fixtures/uploads/attack");
    std::fs::create_dir_all(&dir)?;
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).with_context(|| format!("writing {name}"));

    write("xfd1048576.xlsx", &xlsx(&sheet(&[("A1", "1"), ("XFD1048576", "2")]), None, 0)?)?;
    write("sparse_xfd2000.xlsx", &xlsx(&sheet(&[("A1", "1"), ("XFD2000", "2")]), None, 0)?)?;
    write("bad_cell_reference.xlsx", &xlsx(&sheet(&[("A1", "1"), ("ZZZZZZZZ99999999999", "2")]), None, 0)?)?;
    write("sheet_bomb.xlsx", &bomb(Bomb::Sheet)?)?;
    write("shared_strings_bomb.xlsx", &bomb(Bomb::SharedStrings)?)?;
    write("many_parts.xlsx", &xlsx(&sheet(&[("A1", "1")]), None, 5_000)?)?;
    // Cells without references (calamine counts them along): 15 bytes each, a megabyte zipped.
    let row = format!("<row>{}</row>", "<c><v>1</v></c>".repeat(1_000));
    let block = format!(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{}</sheetData></worksheet>"#,
        row.repeat(5_200)
    );
    write("million_cells.xlsx", &xlsx(block.as_bytes(), None, 0)?)?;
    write("not_a_zip.xlsx", b"indicator,region,period,value\ntech_smes,500118,2025Q3,1\n")?;
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend_from_slice(&[0u8; 504]);
    write("old_format.xls", &ole)?;

    let mut garbage = String::from("indicator,region,period,value\n");
    for i in 0..1_000_000u32 {
        let _ = writeln!(garbage, "x{},y,z,{}", i % 97, i % 10);
    }
    write("garbage_rows.csv", garbage.as_bytes())?;
    write("wide_header.csv", format!("{}\n", "地区,".repeat(500_000)).as_bytes())?;
    write("unknown_columns.csv", format!("2025年1-9月\n地区,科技型企业（家）{}\n永川区,1\n", ",x".repeat(1_000_000)).as_bytes())?;
    write("blank_lines.csv", &vec![b'\n'; 10_000_000])?;
    write(
        "unclosed_quote.csv",
        "指标,地区,时期,数值,备注\n科技型企业数量,永川区,2025Q3,1753,\"oops\n科技型企业数量,江津区,2025Q3,1600\n".as_bytes(),
    )?;
    write("unclosed_quote_last_row.csv", "指标,地区,时期,数值,备注\n科技型企业数量,永川区,2025Q3,1753,\"oops\n还没完\n".as_bytes())?;
    let mut swallowed = String::from("指标,地区,时期,数值,备注\n科技型企业数量,永川区,2025Q3,1753,\"oops\n");
    for _ in 0..10 {
        swallowed.push_str("科技型企业数量,江津区,2025Q3,1600,\n");
    }
    swallowed.push_str("科技型企业数量,江津区,2025Q4,1610,\"\n");
    write("swallowed_rows.csv", swallowed.as_bytes())?;
    write("header_only.csv", "指标,地区,时期,数值\n".as_bytes())?;
    let mut many = String::from("indicator,region,period,value\n");
    for _ in 0..1_000_001u32 {
        many.push_str("a,b,c,1\n");
    }
    write("too_many_rows.csv", many.as_bytes())?;
    write("nul_bytes.csv", b"indicator,region\0,period\0\0,value\n\x01\x02\x03")?;
    write("png_as_csv.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0")?;
    write("bad_utf16.csv", b"\xFF\xFEi\0n\0d\0\n")?;

    let mut toml = String::from(
        "# Hostile uploads, written by `cargo xtask attack` (never by hand), and the answer each must get\n\
         # from a live server with the default limits: the status, and the problem code (or the error\n\
         # code where the body is no upload report). Sent by api/tests/attack.rs.\n",
    );
    for case in CASES {
        let size = std::fs::metadata(dir.join(case.file))?.len();
        let _ = write!(
            toml,
            "\n[[case]]\nfile = {:?}\ncontent_type = {:?}\nstatus = {}\ncode = {:?}\nbytes = {size}\nwhy = {:?}\n",
            case.file, case.content_type, case.status, case.code, case.why
        );
    }
    write("cases.toml", toml.as_bytes())?;
    println!("attack corpus: {} files in {}", CASES.len(), dir.display());
    Ok(())
}

/// A worksheet holding `cells` (reference, number).
fn sheet(cells: &[(&str, &str)]) -> Vec<u8> {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (reference, value) in cells {
        let row: String = reference.chars().filter(char::is_ascii_digit).collect();
        let _ = write!(xml, r#"<row r="{row}"><c r="{reference}"><v>{value}</v></c></row>"#);
    }
    xml.push_str("</sheetData></worksheet>");
    xml.into_bytes()
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// A minimal workbook with one sheet, optional shared strings, and `padding` empty entries.
fn xlsx(sheet_xml: &[u8], shared_strings: Option<&[u8]>, padding: usize) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ] {
        zip.start_file(name, options)?;
        zip.write_all(body)?;
    }
    if let Some(strings) = shared_strings {
        zip.start_file("xl/sharedStrings.xml", options)?;
        zip.write_all(strings)?;
    }
    for i in 0..padding {
        zip.start_file(format!("xl/media/pad{i}.bin"), options)?;
    }
    Ok(zip.finish()?.into_inner())
}

#[derive(Clone, Copy)]
enum Bomb {
    Sheet,
    SharedStrings,
}

/// A workbook with one part that inflates to about a gigabyte: written through the deflater in
/// pieces, never held inflated.
fn bomb(kind: Bomb) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    for (name, body) in [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
    ] {
        zip.start_file(name, options)?;
        zip.write_all(body)?;
    }
    let (part, head, filler, tail): (&str, &str, &[u8], &str) = match kind {
        Bomb::Sheet => (
            "xl/worksheets/sheet1.xml",
            r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>"#,
            b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "</t></is></c></row></sheetData></worksheet>",
        ),
        Bomb::SharedStrings => (
            "xl/sharedStrings.xml",
            r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>"#,
            b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "</t></si></sst>",
        ),
    };
    if matches!(kind, Bomb::SharedStrings) {
        zip.start_file("xl/worksheets/sheet1.xml", options)?;
        zip.write_all(&sheet(&[("A1", "1")]))?;
    }
    zip.start_file(part, options)?;
    zip.write_all(head.as_bytes())?;
    let block = filler.repeat(32 * 1024);
    for _ in 0..(1024 * 1024 * 1024 / block.len()) {
        zip.write_all(&block)?;
    }
    zip.write_all(tail.as_bytes())?;
    Ok(zip.finish()?.into_inner())
}
