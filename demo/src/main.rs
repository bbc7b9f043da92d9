use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use taskdeck_demo::DemoConfig;

const USAGE: &str = "usage: taskdeck-demo [--ui DIR] [--port PORT] [--host IP]
  --ui DIR     the Trunk-built UI (default: dist)
  --port PORT  default 8080
  --host IP    default 127.0.0.1 (loopback only)";

fn main() -> ExitCode {
    let mut ui_dir = PathBuf::from("dist");
    let mut port: u16 = 8080;
    let mut host = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--ui" | "--port" | "--host" => args.next(),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument `{other}`\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        let Some(value) = value else {
            eprintln!("`{arg}` needs a value\n{USAGE}");
            return ExitCode::from(2);
        };
        let parsed = match arg.as_str() {
            "--ui" => {
                ui_dir = PathBuf::from(value);
                Ok(())
            }
            "--port" => value.parse().map(|p| port = p).map_err(|_| "a port number"),
            _ => value.parse().map(|h| host = h).map_err(|_| "an IP address"),
        };
        if let Err(what) = parsed {
            eprintln!("`{arg}` needs {what}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    if !ui_dir.join("index.html").is_file() {
        eprintln!(
            "{} has no index.html: build the UI first (`cargo xtask run` does both)",
            ui_dir.display()
        );
        return ExitCode::FAILURE;
    }

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(host, port)).await?;
        println!(
            "Taskdeck is running at http://{}/  (Ctrl+C to stop)",
            listener.local_addr()?
        );
        tokio::select! {
            served = taskdeck_demo::serve(listener, DemoConfig { ui_dir }) => served,
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("taskdeck-demo: {e}");
            ExitCode::FAILURE
        }
    }
}
