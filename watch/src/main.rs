//! `taskdeck-watch --config FILE` or `taskdeck-watch --demo URL`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use taskdeck_api::server::OfferedConnection;
use taskdeck_watch::Watcher;
use taskdeck_watch::config::{Config, SystemSecrets};

const USAGE: &str = "usage:
  taskdeck-watch --config FILE [--data-dir DIR] [--check]
      watch the servers of a config file (see taskdeck-watch.example.toml);
      --check reads the config and its secrets, and says whether they are usable
  taskdeck-watch --demo URL [--data-dir DIR] [--listen ADDR]
      watch the demo backend whose UI runs at URL (its demo-connections.json)

The history is kept in DIR/watch.sqlite3: --data-dir, else systemd's
$STATE_DIRECTORY, else the config's data_dir; with --demo a fresh
temporary directory.";

struct Args {
    config: Option<PathBuf>,
    demo: Option<String>,
    data_dir: Option<PathBuf>,
    listen: Option<String>,
    check: bool,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        config: None,
        demo: None,
        data_dir: None,
        listen: None,
        check: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("`{arg}` needs a value"));
        match arg.as_str() {
            "--config" => args.config = Some(PathBuf::from(value()?)),
            "--demo" => args.demo = Some(value()?),
            "--data-dir" => args.data_dir = Some(PathBuf::from(value()?)),
            "--listen" => args.listen = Some(value()?),
            "--check" => args.check = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    match (&args.config, &args.demo) {
        (Some(_), None) | (None, Some(_)) => Ok(args),
        _ => Err("give either --config FILE or --demo URL".into()),
    }
}

/// The demo's servers and tokens, waiting for it to come up.
fn demo_connections(url: &str) -> Result<Vec<OfferedConnection>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let address = format!("{}/demo-connections.json", url.trim_end_matches('/'));
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let mut last = String::new();
        for _ in 0..120 {
            match http
                .get(&address)
                .timeout(Duration::from_secs(5))
                .send()
                .await
            {
                Ok(r) if r.status().is_success() => {
                    let text = r.text().await.map_err(|e| e.to_string())?;
                    return serde_json::from_str(&text).map_err(|e| format!("{address}: {e}"));
                }
                Ok(r) => last = format!("HTTP {}", r.status()),
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Err(format!("the demo did not answer at {address}: {last}"))
    })
}

fn wait_for_stop() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    });
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(message) => {
            eprintln!("taskdeck-watch: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut temporary = None;
    let (mut config, data_dir) = if let Some(url) = &args.demo {
        let config = match demo_connections(url).and_then(|offered| {
            Config::for_demo(&offered, url.trim_end_matches('/')).map_err(|e| e.to_string())
        }) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("taskdeck-watch: {e}");
                return ExitCode::FAILURE;
            }
        };
        let dir = args.data_dir.clone().unwrap_or_else(|| {
            let dir =
                std::env::temp_dir().join(format!("taskdeck-watch-demo-{}", std::process::id()));
            temporary = Some(dir.clone());
            dir
        });
        (config, dir)
    } else {
        let path = args.config.as_ref().expect("checked");
        let config = match Config::load(path, &SystemSecrets) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("taskdeck-watch: {e}");
                return ExitCode::FAILURE;
            }
        };
        let state_directory = std::env::var_os("STATE_DIRECTORY").and_then(|v| {
            v.to_str()
                .and_then(|v| v.split(':').next().map(PathBuf::from))
        });
        let Some(dir) = args
            .data_dir
            .clone()
            .or(state_directory)
            .or(config.data_dir.clone())
        else {
            eprintln!(
                "taskdeck-watch: say where to keep the history: --data-dir DIR or data_dir in the config"
            );
            return ExitCode::from(2);
        };
        if args.check {
            println!(
                "{}: {} server(s), {} channel(s), {} rule(s); history in {}",
                path.display(),
                config.servers.len(),
                config.channels.len(),
                config.rules.len(),
                dir.join(taskdeck_watch::watcher::DATA_FILE).display()
            );
            return ExitCode::SUCCESS;
        }
        (config, dir)
    };
    if let Some(listen) = &args.listen {
        match listen.parse() {
            Ok(addr) => config.http.listen = Some(addr),
            Err(_) => {
                eprintln!("taskdeck-watch: --listen needs an address and port (127.0.0.1:8095)");
                return ExitCode::from(2);
            }
        }
    }
    let watcher = match Watcher::start(config.clone(), &data_dir) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("taskdeck-watch: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "taskdeck-watch: watching {} server(s) every {:?}; history in {}",
        config.servers.len(),
        config.poll.interval,
        watcher.data_file().display()
    );
    if let Some(addr) = watcher.http_addr() {
        println!(
            "taskdeck-watch: http://{addr}/api/health, /api/history?server=ID, /api/actions, /metrics"
        );
    }
    wait_for_stop();
    watcher.stop();
    if let Some(dir) = temporary {
        let _ = std::fs::remove_dir_all(dir);
    }
    ExitCode::SUCCESS
}
