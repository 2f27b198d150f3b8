//! Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"),
//! and GB18030, the superset of GBK that Chinese Excel writes by default.
//!
//! Detection is deliberately simple and deterministic: a BOM decides; otherwise text that is
//! valid UTF-8 is UTF-8 (Chinese GBK text is practically never valid UTF-8); otherwise it must
//! decode as GB18030 without a single malformed sequence. Undecodable bytes are an
//! `encoding-error` naming the row; nothing is ever stored with replacement characters.

use std::borrow::Cow;

use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_16BE, UTF_16LE};

use super::problem::{Problem, ProblemCode};

/// The encoding a file was read with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-16 little-endian with BOM (Excel's "Unicode text", tab-separated).
    Utf16Le,
    /// UTF-16 big-endian with BOM.
    Utf16Be,
    /// GB18030 / GBK (Excel's default CSV on Chinese Windows).
    Gb18030,
}

impl TextEncoding {
    /// Name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8-bom",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
            TextEncoding::Gb18030 => "gb18030",
        }
    }
}

/// Decodes an upload, or says where the first undecodable byte is. UTF-8 is borrowed, not
/// copied: a 60 MB upload is held once, not twice.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, TextEncoding), Problem> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(Problem::error(ProblemCode::EncodingError).say(
            "这是一个 Excel 工作簿（.xlsx/.xls），不是 CSV 文本。请按 Excel 文件上传，或在 Excel 中“另存为 CSV UTF-8”。",
            "This is an Excel workbook (.xlsx/.xls), not CSV text. Upload it as an Excel file, or use Excel's “Save as CSV UTF-8”.",
        ));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((Cow::Borrowed(text), TextEncoding::Utf8Bom)),
            Err(e) => Err(malformed(rest, e.valid_up_to(), "UTF-8")),
        };
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return strict(UTF_16LE, rest, TextEncoding::Utf16Le, "UTF-16");
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return strict(UTF_16BE, rest, TextEncoding::Utf16Be, "UTF-16");
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((Cow::Borrowed(text), TextEncoding::Utf8)),
        Err(_) => strict(GB18030, bytes, TextEncoding::Gb18030, "UTF-8 / GBK"),
    }
}

fn strict(encoding: &'static Encoding, bytes: &[u8], tag: TextEncoding, name: &str) -> Result<(Cow<'static, str>, TextEncoding), Problem> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len() * 3);
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        DecoderResult::InputEmpty => Ok((Cow::Owned(text), tag)),
        DecoderResult::Malformed(bad, extra) => {
            let end = read.saturating_sub(usize::from(extra));
            Err(malformed(bytes, end.saturating_sub(usize::from(bad)), name))
        }
        // The buffer was sized for the worst case; this cannot happen, but if it did the file
        // would be refused rather than cut short.
        DecoderResult::OutputFull => Err(malformed(bytes, read, name)),
    }
}

fn malformed(bytes: &[u8], offset: usize, name: &str) -> Problem {
    let row = bytes[..offset.min(bytes.len())].iter().filter(|&&b| b == b'\n').count() + 1;
    let shown: Vec<String> = bytes[offset.min(bytes.len())..].iter().take(4).map(|b| format!("{b:02X}")).collect();
    let shown = shown.join(" ");
    Problem::error(ProblemCode::EncodingError).row(u32::try_from(row).unwrap_or(u32::MAX)).cell(&shown).say(
        format!("含有无法按 {name} 解码的字节（{shown}）。请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”后重新上传。"),
        format!("contains bytes that are not valid {name} ({shown}). In Excel use “Save as CSV UTF-8 (comma delimited)” and upload again."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_utf8_bom_utf16_and_gbk() {
        let (text, enc) = decode("指标,地区".as_bytes()).unwrap();
        assert_eq!((&*text, enc), ("指标,地区", TextEncoding::Utf8));
        let (text, enc) = decode(b"\xEF\xBB\xBFa,b").unwrap();
        assert_eq!((&*text, enc), ("a,b", TextEncoding::Utf8Bom));
        let (gbk, _, _) = GB18030.encode("永川区,科技型企业");
        let (text, enc) = decode(&gbk).unwrap();
        assert_eq!((&*text, enc), ("永川区,科技型企业", TextEncoding::Gb18030));
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "地区\t数值".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let (text, enc) = decode(&utf16).unwrap();
        assert_eq!((&*text, enc), ("地区\t数值", TextEncoding::Utf16Le));
    }

    #[test]
    fn undecodable_bytes_are_an_error_with_their_row() {
        // 0x81 0x20 is not GB18030 and not UTF-8.
        let problem = decode(b"a,b\nc,d\ne,\x81\x20f\n").unwrap_err();
        assert_eq!(problem.code, ProblemCode::EncodingError);
        assert_eq!(problem.row, Some(3));
        assert_eq!(problem.cell.as_deref(), Some("81 20 66 0A"));
        let problem = decode(b"\xEF\xBB\xBFok\n\xFF").unwrap_err();
        assert_eq!(problem.row, Some(2));
    }

    #[test]
    fn a_workbook_is_not_csv() {
        let problem = decode(b"PK\x03\x04rest").unwrap_err();
        assert!(problem.message.en.contains("Excel workbook"));
    }
}
