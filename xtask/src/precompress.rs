//! `.gz` and `.br` beside each text asset of the release build, for the
//! servers that serve them as they are (nginx `gzip_static`/`brotli_static`,
//! Caddy `precompressed`, the demo). Each is read back and compared with the
//! original before it is kept.

use std::io::{Read, Write};
use std::path::Path;

use crate::Result;

/// What is worth compressing: text and WebAssembly.
const COMPRESSED: &[&str] = &["wasm", "js", "css", "html", "svg", "json"];

pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| e.to_string())?;
    encoder.finish().map_err(|e| e.to_string())
}

pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).map_err(|e| e.to_string())?;
    Ok(out)
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

fn unbrotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Writes `name.gz` and `name.br` for every asset in `dist`, each checked
/// to decompress to the original.
pub fn precompress(dist: &Path) -> Result {
    let entries = std::fs::read_dir(dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !COMPRESSED.contains(&ext) {
            continue;
        }
        let original = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for (suffix, packed, unpack) in [
            (
                "gz",
                gzip(&original)?,
                gunzip as fn(&[u8]) -> Result<Vec<u8>>,
            ),
            ("br", brotli(&original)?, unbrotli),
        ] {
            if unpack(&packed)? != original {
                return Err(format!(
                    "{}.{suffix} does not decompress to the original",
                    path.display()
                ));
            }
            let target = format!("{}.{suffix}", path.display());
            std::fs::write(&target, packed).map_err(|e| format!("{target}: {e}"))?;
        }
    }
    Ok(())
}

/// The compressed length of `bytes`, for `cargo xtask size`.
pub fn brotli_len(bytes: &[u8]) -> Result<usize> {
    brotli(bytes).map(|b| b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precompressed_files_decompress_to_the_originals() {
        let dir = std::env::temp_dir().join(format!("taskdeck-precompress-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let wasm: Vec<u8> = (0..200_000u32)
            .map(|i| (i % 251) as u8 ^ (i / 977) as u8)
            .collect();
        let js = "export function init() { return 'Grüße 請求書'; }\n".repeat(500);
        std::fs::write(dir.join("app_bg.wasm"), &wasm).unwrap();
        std::fs::write(dir.join("app.js"), &js).unwrap();
        std::fs::write(dir.join("notes.txt"), "not an asset").unwrap();
        precompress(&dir).unwrap();
        assert_eq!(
            gunzip(&std::fs::read(dir.join("app_bg.wasm.gz")).unwrap()).unwrap(),
            wasm
        );
        assert_eq!(
            unbrotli(&std::fs::read(dir.join("app_bg.wasm.br")).unwrap()).unwrap(),
            wasm
        );
        let br = std::fs::read(dir.join("app.js.br")).unwrap();
        assert_eq!(unbrotli(&br).unwrap(), js.as_bytes());
        assert!(br.len() < js.len() / 10, "repetitive text compresses");
        assert!(!dir.join("notes.txt.gz").exists(), "only assets");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
