//! `cargo xtask <command>`: the project's set-up is code, not prose.
//!
//! - `setup`: installs what is missing, skips what is there (idempotent).
//! - `build-ui`: `trunk build --release` offline, with the pinned tools.
//! - `run`: setup + build-ui + the demo backend on loopback.
//! - `test`: setup + every test: native, then the browser tests in Chromium.
//! - `size`: the WASM, JS and CSS transfer sizes (raw and gzip) of dist/.
//! - `bench`: reading hostile task arguments (native), then setup + build-ui
//!   + size + load and typing times in Chromium.
//! - `desktop`: setup + the UI with the `desktop` feature + the Tauri app
//!   (release), run against the demo backend (which serves the browser UI).
//! - `test-desktop`: the desktop smoke test under Xvfb (also part of `test`).

#[cfg(test)]
mod cycles;
mod precompress;
mod setup;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let outcome = match command {
        "setup" => setup::run(),
        "build-ui" => setup::run().and_then(|()| build_ui()),
        "dist" => setup::run().and_then(|()| build_ui()).and_then(|()| dist()),
        "run" => run(rest),
        "test" => test(),
        "size" => size(),
        "bench" => bench(rest),
        "desktop" => desktop(),
        "test-desktop" => setup::run()
            .and_then(|()| build_ui())
            .and_then(|()| build_desktop_ui())
            .and_then(|()| test_desktop()),
        _ => {
            println!(
                "usage: cargo xtask <setup|build-ui|dist|run|test|size|bench|desktop|test-desktop>\n  \
                 dist  the release tarball of the static site: target/dist/taskdeck-<version>.tar.gz\n  \
                 run  [demo backend args, e.g. --port 9000]: the UI on the demo, with a watcher beside it
  \
                 bench [--tasks 12000,100000,300000] [--failed 50000] [--servers 50] [--only pickle,cls,failed,servers,tasks]"
            );
            return if command == "help" {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask {command}: {message}");
            ExitCode::FAILURE
        }
    }
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Runs a command from the workspace root with the project's tool folders
/// first on PATH, failing with the command line in the message.
pub fn run_cmd(cmd: &mut Command) -> Result {
    cmd.current_dir(root()).env("PATH", setup::tool_path());
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed with {status}"))
    }
}

/// The UI for browsers, into dist/, with its Content Security Policy.
fn build_ui() -> Result {
    trunk_build(&[], "dist")?;
    add_content_security_policy(&root().join("dist"))?;
    precompress::precompress(&root().join("dist"))
}

/// The same UI with the `desktop` feature (Tauri transport, window title,
/// notifications), into dist-desktop/, which the desktop app embeds.
fn build_desktop_ui() -> Result {
    trunk_build(&["--features", "desktop"], "dist-desktop")
}

fn trunk_build(args: &[&str], dist: &str) -> Result {
    let started = Instant::now();
    run_cmd(
        Command::new("trunk")
            .args(["build", "--release", "--dist", dist])
            .args(args)
            .env("TRUNK_SKIP_VERSION_CHECK", "true")
            .env("NO_COLOR", "true"),
    )?;
    minify_loader(&root().join(dist))?;
    println!(
        "UI built into {dist}/ in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The release tarball of the static site: `taskdeck-<version>/site/` (the
/// built `dist/`, with its `.br` and `.gz`), `taskdeck.example.json` and
/// `DEPLOY.md`.
fn dist() -> Result {
    let version = env!("CARGO_PKG_VERSION");
    let name = format!("taskdeck-{version}");
    let out = root().join("target/dist");
    let staging = out.join(&name);
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| io("clearing the staging folder", e))?;
    }
    let site = staging.join("site");
    std::fs::create_dir_all(&site).map_err(|e| io("creating the staging folder", e))?;
    for entry in std::fs::read_dir(root().join("dist")).map_err(|e| io("reading dist/", e))? {
        let entry = entry.map_err(|e| io("reading dist/", e))?;
        if entry
            .file_type()
            .map_err(|e| io("reading dist/", e))?
            .is_file()
        {
            std::fs::copy(entry.path(), site.join(entry.file_name()))
                .map_err(|e| io("copying the site", e))?;
        }
    }
    for file in ["taskdeck.example.json", "DEPLOY.md"] {
        std::fs::copy(root().join(file), staging.join(file)).map_err(|e| io(file, e))?;
    }
    let tarball = out.join(format!("{name}.tar.gz"));
    run_cmd(
        Command::new("tar")
            .args([
                "--sort=name",
                "--owner=0",
                "--group=0",
                "--numeric-owner",
                "-czf",
            ])
            .arg(&tarball)
            .arg("-C")
            .arg(&out)
            .arg(&name),
    )?;
    let bytes = std::fs::metadata(&tarball)
        .map_err(|e| io("the tarball", e))?
        .len();
    println!(
        "{} ({:.1} KB): site/, taskdeck.example.json, DEPLOY.md",
        tarball.display(),
        bytes as f64 / 1024.0
    );
    Ok(())
}

/// The UI on the demo backend, and a watcher (`taskdeck-watch --demo`)
/// beside it that reads the demo's servers from the address the demo
/// prints. Ctrl+C stops both.
fn run(demo_args: &[String]) -> Result {
    use std::io::BufRead as _;
    // `cargo xtask run -- --port 9000`: the alias already ends in `--`, so
    // cargo hands the user's `--` through; the demo must not see it.
    let demo_args = match demo_args {
        [first, rest @ ..] if first == "--" => rest,
        all => all,
    };
    setup::run()?;
    build_ui()?;
    run_cmd(Command::new("cargo").args([
        "build",
        "--quiet",
        "--release",
        "--package",
        "taskdeck-demo",
        "--package",
        "taskdeck-watch",
    ]))?;
    let release = root().join("target").join("release");
    let mut demo = Command::new(release.join("taskdeck-demo"));
    demo.current_dir(root())
        .args(["--ui", "dist"])
        .args(demo_args);
    if demo_args
        .iter()
        .any(|a| a == "-h" || a == "--help" || a == "--no-ui")
    {
        return run_cmd(&mut demo);
    }
    let mut demo = demo
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("demo backend: {e}"))?;
    let mut lines = std::io::BufReader::new(demo.stdout.take().expect("piped")).lines();
    let mut ui = None;
    for line in lines.by_ref() {
        let line = line.map_err(|e| format!("demo backend: {e}"))?;
        println!("{line}");
        // "Taskdeck is running: open http://127.0.0.1:8080/  (Ctrl+C to stop)"
        if let Some(url) = line
            .split("open ")
            .nth(1)
            .and_then(|u| u.split_whitespace().next())
        {
            ui = Some(url.trim_end_matches('/').to_string());
            break;
        }
    }
    let Some(ui) = ui else {
        let status = demo.wait().map_err(|e| e.to_string())?;
        return Err(format!(
            "the demo backend ended ({status}) before it said where it runs"
        ));
    };
    std::thread::spawn(move || {
        for line in lines.map_while(std::result::Result::ok) {
            println!("{line}");
        }
    });
    let watcher = Command::new(release.join("taskdeck-watch"))
        .args(["--demo", &ui])
        .spawn();
    if let Err(e) = &watcher {
        eprintln!("xtask run: the watcher did not start ({e}); the demo runs without it");
    }
    let status = demo.wait().map_err(|e| e.to_string());
    if let Ok(mut watcher) = watcher {
        let _ = watcher.kill();
        let _ = watcher.wait();
    }
    match status? {
        s if s.success() => Ok(()),
        s => Err(format!("the demo backend ended with {s}")),
    }
}

/// Trunk leaves wasm-bindgen's JS loader unminified (its minifier cannot
/// parse `export { … as default }`), so esbuild minifies it in place and the
/// loader's integrity hash in index.html is replaced to match.
fn minify_loader(dist: &Path) -> Result {
    let loaders: Vec<PathBuf> = std::fs::read_dir(dist)
        .map_err(|e| format!("cannot read {}: {e}", dist.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "js"))
        .collect();
    let [loader] = loaders.as_slice() else {
        return Err(format!(
            "expected one JS loader in {}, found {}",
            dist.display(),
            loaders.len()
        ));
    };
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let before = read(loader)?;
    run_cmd(
        Command::new(setup::tools_dir().join("node_modules/.bin/esbuild"))
            .arg(loader)
            .args([
                "--minify",
                "--format=esm",
                "--allow-overwrite",
                "--log-level=warning",
            ])
            .arg(format!("--outfile={}", loader.display())),
    )?;
    let after = read(loader)?;
    let index = dist.join("index.html");
    let html = String::from_utf8(read(&index)?).map_err(|e| e.to_string())?;
    let (old, new) = (sri(&before), sri(&after));
    if html.matches(&old).count() != 1 {
        return Err(format!(
            "{} does not name the loader's hash {old} exactly once",
            index.display()
        ));
    }
    std::fs::write(&index, html.replace(&old, &new))
        .map_err(|e| format!("cannot write {}: {e}", index.display()))
}

/// The static site's Content Security Policy, as a `<meta>` tag (a static
/// file server sends no headers of ours): scripts only from the site itself
/// plus Trunk's inline loader by its hash, so a script injected into the
/// page (or served from elsewhere) does not run and cannot read tokens from
/// storage. `connect-src` allows any http(s) server, because the console
/// talks to whatever servers its users configure. The desktop app has its
/// own, stricter policy in tauri.conf.json.
fn add_content_security_policy(dist: &Path) -> Result {
    use base64::Engine as _;
    use sha2::Digest as _;
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index)
        .map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    let mut hashes = Vec::new();
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let open_end = after.find('>').ok_or("unclosed <script> tag")? + 1;
        let close = after.find("</script>").ok_or("no </script>")?;
        let inline = &after[open_end..close];
        if !after[..open_end].contains(" src=") && !inline.trim().is_empty() {
            let digest = sha2::Sha256::digest(inline.as_bytes());
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &after[close..];
    }
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self' http: https:; object-src 'none'; \
         base-uri 'none'; form-action 'none'",
        hashes.join(" ")
    );
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">");
    if html.contains("Content-Security-Policy") {
        return Err(format!("{} already has a policy", index.display()));
    }
    // Before any script or style: a policy applies only to what follows it.
    // Trunk's minifier drops optional tags (`<head>`), so the policy goes
    // right after the charset declaration, which must stay first.
    let anchor = ["<meta charset=utf-8>", "<meta charset=\"utf-8\">", "<head>"]
        .into_iter()
        .find(|a| html.contains(a))
        .ok_or_else(|| format!("{}: nowhere to put the policy", index.display()))?;
    if hashes.is_empty() || html.find(anchor) > html.find("<script") {
        return Err(format!(
            "{}: unexpected layout for the policy",
            index.display()
        ));
    }
    let html = html.replacen(anchor, &format!("{anchor}{meta}"), 1);
    std::fs::write(&index, html).map_err(|e| format!("cannot write {}: {e}", index.display()))
}

/// A subresource-integrity value, as Trunk writes it.
fn sri(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha384::digest(bytes);
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The desktop binary, built by [`build_desktop`] with its own profile.
pub fn desktop_binary() -> PathBuf {
    root().join("target/desktop-release/taskdeck-desktop")
}

/// `tauri build --no-bundle` with the `desktop-release` profile (stripped,
/// size-tuned): [`desktop_binary`]. Needs dist-desktop/ ([`build_desktop_ui`]) first.
fn build_desktop() -> Result {
    let started = Instant::now();
    run_cmd(
        Command::new(setup::tools_dir().join("node_modules/.bin/tauri"))
            .args(["build", "--no-bundle", "--", "--profile", "desktop-release"])
            .current_dir(root().join("src-tauri"))
            .env("PATH", setup::tool_path()),
    )?;
    let size = std::fs::metadata(desktop_binary())
        .map_err(|e| format!("{}: {e}", desktop_binary().display()))?
        .len();
    println!(
        "desktop app built in {:.0} s: {} ({:.1} MB)",
        started.elapsed().as_secs_f64(),
        desktop_binary().display(),
        size as f64 / 1e6
    );
    Ok(())
}

fn desktop() -> Result {
    setup::run()?;
    build_ui()?;
    build_desktop_ui()?;
    build_desktop()?;
    let mut demo = Command::new("cargo")
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "taskdeck-demo",
            "--",
            "--ui",
            "dist",
        ])
        .spawn()
        .map_err(|e| format!("demo backend: {e}"))?;
    // The app imports the demo servers on its first start, so the demo
    // backend must be answering first (`cargo run` may still be compiling it).
    let started = Instant::now();
    while std::net::TcpStream::connect("127.0.0.1:8080").is_err() {
        if started.elapsed().as_secs() > 600 {
            let _ = demo.kill();
            return Err("the demo backend did not start on 127.0.0.1:8080".into());
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let outcome = run_cmd(Command::new(desktop_binary()).args([
        "--demo-connections",
        "http://127.0.0.1:8080/demo-connections.json",
    ]));
    let _ = demo.kill();
    let _ = demo.wait();
    outcome
}

/// `cargo <args>` with TMPDIR inside target/ (browsers' profiles land there),
/// the built UI and the installed tools on PATH.
fn cargo_with_tools(args: &[&str]) -> Result {
    let tmp = root().join("target").join("tmp");
    std::fs::create_dir_all(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    run_cmd(
        Command::new("cargo")
            .args(args)
            .env("TMPDIR", &tmp)
            .env("TASKDECK_DIST", root().join("dist"))
            .env("TASKDECK_DESKTOP_BIN", desktop_binary())
            .env("PATH", setup::tool_path()),
    )
}

fn test_desktop() -> Result {
    build_desktop()?;
    println!("== desktop smoke test (Xvfb, tauri-driver, WebKitWebDriver)");
    cargo_with_tools(&[
        "test",
        "--locked",
        "--features",
        "desktop-tests",
        "--test",
        "desktop",
    ])
}

/// `cargo xtask bench [--tasks 12000,100000,300000] [--failed 50000] [--servers 50]
/// [--only pickle,cls,failed,servers,tasks]`. `pickle` is native (no UI
/// build, no Chromium): `--only pickle` runs just that.
fn bench(options: &[String]) -> Result {
    let only_at = options.iter().position(|o| o == "--only");
    let only: Vec<&str> = only_at
        .and_then(|at| options.get(at + 1))
        .map(|list| list.split(',').collect())
        .unwrap_or_default();
    if only.is_empty() || only.contains(&"pickle") {
        println!("== reading hostile task arguments (native)");
        run_cmd(Command::new("cargo").args([
            "bench",
            "--locked",
            "-p",
            "taskdeck-api",
            "--bench",
            "pickle",
        ]))?;
    }
    let in_browser: Vec<&str> = only.iter().copied().filter(|s| *s != "pickle").collect();
    if !only.is_empty() && in_browser.is_empty() {
        return Ok(());
    }
    setup::run()?;
    build_ui()?;
    println!("== transfer size of the app");
    size()?;
    let mut args = vec![
        "bench",
        "--locked",
        "--features",
        "browser-tests",
        "--bench",
        "console",
        "--",
    ];
    let sections = in_browser.join(",");
    for (at, option) in options.iter().enumerate() {
        match only_at {
            Some(o) if at == o + 1 => args.push(&sections),
            _ => args.push(option),
        }
    }
    cargo_with_tools(&args)
}

fn test() -> Result {
    let started = Instant::now();
    setup::run()?;

    // First: the desktop crate embeds dist-desktop/ when it compiles.
    println!("== WASM builds (browser and desktop)");
    build_ui()?;
    build_desktop_ui()?;

    println!("== native tests (API contract, request building, pure logic, desktop side)");
    cargo_with_tools(&["test", "--workspace", "--locked"])?;

    println!("== browser tests (headless Chromium)");
    // Each test runs its own demo backend and Chromium; two at a time suit
    // a 2-core machine.
    cargo_with_tools(&[
        "test",
        "--locked",
        "--features",
        "browser-tests",
        "--test",
        "browser",
        "--test",
        "browser_trust",
        "--test",
        "browser_screens",
        "--test",
        "browser_health",
        "--test",
        "browser_deploy",
        "--test",
        "browser_engine",
        "--test",
        "browser_triage",
        "--test",
        "browser_history",
        "--test",
        "browser_findings",
        "--test",
        "browser_a11y",
        "--",
        "--test-threads=2",
    ])?;

    test_desktop()?;
    println!(
        "all tests passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn size() -> Result {
    let dist = root().join("dist");
    let entries = std::fs::read_dir(&dist).map_err(|e| {
        format!(
            "{} unreadable ({e}); run `cargo xtask build-ui` first",
            dist.display()
        )
    })?;
    let (mut raw_total, mut gz_total, mut br_total) = (0usize, 0usize, 0usize);
    let mut rows = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "wasm" | "js" | "css" | "html") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let gz = gzip_len(&bytes)?;
        let br = precompress::brotli_len(&bytes)?;
        raw_total += bytes.len();
        gz_total += gz;
        br_total += br;
        rows.push((
            path.file_name().unwrap().to_string_lossy().to_string(),
            bytes.len(),
            gz,
            br,
        ));
    }
    rows.sort();
    for (name, raw, gz, br) in &rows {
        println!(
            "{name:<50} raw {:>8.1} KB   gzip {:>7.1} KB   brotli {:>7.1} KB",
            kb(*raw),
            kb(*gz),
            kb(*br)
        );
    }
    println!(
        "{:<50} raw {:>8.1} KB   gzip {:>7.1} KB   brotli {:>7.1} KB",
        "total transfer",
        kb(raw_total),
        kb(gz_total),
        kb(br_total)
    );
    // The budget counts the app's code and style: wasm + js + css.
    let budgeted: usize = rows
        .iter()
        .filter(|(name, _, _, _)| !name.ends_with(".html"))
        .map(|(_, _, gz, _)| gz)
        .sum();
    println!(
        "budget (wasm + js + css, gzip): {budgeted} bytes = {:.1} KiB = {:.1} kB; at most 350: {}",
        kb(budgeted),
        budgeted as f64 / 1000.0,
        if budgeted <= 350_000 {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}

fn kb(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}

fn gzip_len(bytes: &[u8]) -> Result<usize> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| e.to_string())?;
    encoder.finish().map(|v| v.len()).map_err(|e| e.to_string())
}
