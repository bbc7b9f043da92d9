//! Installs the toolchain the build and the tests need, skipping whatever is
//! already present. Every check looks at the real tool (its `--version`), so a
//! half-finished earlier install is repaired rather than trusted.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use crate::{Result, root, run_cmd};

const TRUNK_VERSION: &str = "0.21.14";
const BINARYEN_VERSION: &str = "132";
/// Minifies wasm-bindgen's JS loader, which Trunk's minifier cannot parse.
const ESBUILD_VERSION: &str = "0.28.2";
/// The accessibility rules the browser tests run on every screen (axe-core's
/// script, injected into the page; no binary).
const AXE_CORE_VERSION: &str = "4.14.1";
const TAURI_CLI_MAJOR: &str = "2";

pub fn tools_dir() -> PathBuf {
    root().join("target").join("tools")
}

/// npm's binaries and cargo's install dir ahead of the inherited PATH.
pub fn tool_path() -> OsString {
    let mut dirs = vec![tools_dir().join("node_modules").join(".bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    } else if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo").join("bin"));
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).expect("PATH entries are valid")
}

fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .env("PATH", tool_path())
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    })
}

fn step(name: &str, present: impl Fn() -> bool, install: impl FnOnce() -> Result) -> Result {
    if present() {
        println!("setup: {name}: present");
        return Ok(());
    }
    println!("setup: {name}: installing");
    let started = Instant::now();
    install()?;
    if !present() {
        return Err(format!("{name}: still missing after installing"));
    }
    println!(
        "setup: {name}: installed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The wasm-bindgen version Cargo.lock pins; the CLI must match it exactly.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock unreadable: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(version.to_string());
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

fn is_root() -> bool {
    output_of("id", &["-u"]).is_some_and(|uid| uid.trim() == "0")
}

fn apt_install(packages: &[&str]) -> Result {
    let sudo = if is_root() {
        None
    } else if output_of("sudo", &["-n", "true"]).is_some() {
        Some("sudo")
    } else {
        return Err(format!(
            "need root to install {}: run `sudo apt-get install {}` and try again",
            packages.join(" "),
            packages.join(" ")
        ));
    };
    let apt = |args: &[&str]| {
        let mut cmd = match sudo {
            Some(s) => {
                let mut c = Command::new(s);
                c.arg("apt-get");
                c
            }
            None => Command::new("apt-get"),
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run_cmd(&mut cmd)
    };
    apt(&["update", "-q"])?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend_from_slice(packages);
    apt(&args)
}

/// An npm package installed into target/tools, checked by its binary's `--version`.
fn npm_step(name: &str, binary: &str, version_mark: &str, package: &str) -> Result {
    step(
        name,
        || {
            output_of(
                tools_dir()
                    .join("node_modules/.bin")
                    .join(binary)
                    .to_str()
                    .unwrap_or(binary),
                &["--version"],
            )
            .is_some_and(|v| v.contains(version_mark))
        },
        || {
            std::fs::create_dir_all(tools_dir()).map_err(|e| e.to_string())?;
            run_cmd(Command::new("npm").args([
                "install",
                "--prefix",
                tools_dir().to_str().expect("utf-8 path"),
                "--no-audit",
                "--no-fund",
                package,
            ]))
        },
    )
}

/// An npm package without a binary, checked by its package.json's version.
fn npm_library_step(name: &str, package: &str, version: &str) -> Result {
    let manifest = tools_dir()
        .join("node_modules")
        .join(package)
        .join("package.json");
    step(
        name,
        || {
            std::fs::read_to_string(&manifest)
                .is_ok_and(|text| text.contains(&format!("\"version\": \"{version}\"")))
        },
        || {
            std::fs::create_dir_all(tools_dir()).map_err(|e| e.to_string())?;
            run_cmd(Command::new("npm").args([
                "install",
                "--prefix",
                tools_dir().to_str().expect("utf-8 path"),
                "--no-audit",
                "--no-fund",
                &format!("{package}@{version}"),
            ]))
        },
    )
}

pub fn run() -> Result {
    let started = Instant::now();
    step(
        "rust target wasm32-unknown-unknown",
        || {
            output_of("rustup", &["target", "list", "--installed"])
                .is_some_and(|t| t.lines().any(|l| l.trim() == "wasm32-unknown-unknown"))
        },
        || run_cmd(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"])),
    )?;
    step(
        &format!("trunk {TRUNK_VERSION}"),
        || output_of("trunk", &["--version"]).is_some_and(|v| v.contains(TRUNK_VERSION)),
        || {
            run_cmd(Command::new("cargo").args([
                "install",
                &format!("trunk@{TRUNK_VERSION}"),
                "--locked",
            ]))
        },
    )?;
    let bindgen = locked_wasm_bindgen_version()?;
    step(
        &format!("wasm-bindgen-cli {bindgen}"),
        || {
            output_of("wasm-bindgen", &["--version"])
                .is_some_and(|v| v.split_whitespace().any(|w| w == bindgen))
        },
        // Without --locked: the CLI's own lock file pins crates this toolchain rejects.
        || {
            run_cmd(Command::new("cargo").args([
                "install",
                "wasm-bindgen-cli",
                "--version",
                &bindgen,
                "--force",
            ]))
        },
    )?;
    npm_step(
        &format!("binaryen {BINARYEN_VERSION} (npm, wasm-opt)"),
        "wasm-opt",
        &format!("version {BINARYEN_VERSION}"),
        &format!("binaryen@{BINARYEN_VERSION}"),
    )?;
    npm_step(
        &format!("esbuild {ESBUILD_VERSION} (npm, JS minifier)"),
        "esbuild",
        ESBUILD_VERSION,
        &format!("esbuild@{ESBUILD_VERSION}"),
    )?;
    npm_library_step(
        &format!("axe-core {AXE_CORE_VERSION} (npm, accessibility rules)"),
        "axe-core",
        AXE_CORE_VERSION,
    )?;
    step(
        "chromium and chromedriver (browser tests)",
        || {
            output_of("chromium", &["--version"]).is_some()
                && output_of("chromedriver", &["--version"]).is_some()
        },
        || apt_install(&["chromium", "chromium-driver"]),
    )?;
    step(
        "nginx and Caddy (the test of DEPLOY.md's snippets)",
        || output_of("nginx", &["-v"]).is_some() && output_of("caddy", &["version"]).is_some(),
        || apt_install(&["nginx", "caddy"]),
    )?;
    desktop()?;
    println!("setup: done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// What the desktop app needs: WebKitGTK headers (every workspace build
/// compiles src-tauri), the Tauri CLI from npm, and for the smoke test a
/// virtual display, WebKitWebDriver and tauri-driver.
fn desktop() -> Result {
    step(
        "WebKitGTK 4.1 headers (desktop build)",
        || output_of("pkg-config", &["--exists", "webkit2gtk-4.1"]).is_some(),
        || apt_install(&["libwebkit2gtk-4.1-dev", "pkg-config", "build-essential"]),
    )?;
    step(
        "Xvfb, WebKitWebDriver, x11-utils, imagemagick (desktop smoke test)",
        || {
            ["Xvfb", "WebKitWebDriver", "xwininfo", "import"]
                .iter()
                .all(|tool| output_of("which", &[tool]).is_some())
        },
        // Screenshots of the window come from `import` (ImageMagick): WebDriver
        // screenshots through WebKitWebDriver hang under Xvfb here.
        || apt_install(&["xvfb", "webkit2gtk-driver", "x11-utils", "imagemagick"]),
    )?;
    step(
        "the tray library and python3-xlib (desktop smoke test: the tray, closing the window)",
        || {
            output_of("ldconfig", &["-p"])
                .is_some_and(|libs| libs.contains("libayatana-appindicator3.so.1"))
                && Command::new("/usr/bin/python3")
                    .args(["-c", "import Xlib"])
                    .status()
                    .is_ok_and(|s| s.success())
        },
        // The app's tray icon loads libayatana-appindicator at run time
        // (without it the app has no tray); the test closes the window as a
        // window manager would, with python3-xlib.
        || apt_install(&["libayatana-appindicator3-1", "python3-xlib"]),
    )?;
    npm_step(
        &format!("Tauri CLI {TAURI_CLI_MAJOR} (npm)"),
        "tauri",
        &format!("tauri-cli {TAURI_CLI_MAJOR}."),
        &format!("@tauri-apps/cli@{TAURI_CLI_MAJOR}"),
    )?;
    step(
        "tauri-driver (desktop smoke test)",
        || output_of("tauri-driver", &["--help"]).is_some(),
        || run_cmd(Command::new("cargo").args(["install", "tauri-driver", "--locked"])),
    )
}
