use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use taskdeck_demo::{DemoConfig, Fault, Flavor, Scale};

const USAGE: &str = "usage: taskdeck-demo [options]
  --ui DIR             the Trunk-built UI to serve (default: dist)
  --no-ui              serve the demo APIs only
  --port PORT          UI port (default 8080; APIs on 8010, 8011, 8020, 8021);
                       with --port the APIs follow on PORT+1 to PORT+4.
                       A port that is taken is replaced by a free one (printed)
  --ephemeral-ports    every port picked free by the system
  --host IP            listen address (default 127.0.0.1, loopback only)
  --scale default|large
                       large: 12,000 Paperless tasks, 6,000 failed InvenTree tasks
  --seed N             data generator seed (default 2026)
  --allow-origin URL   another origin allowed by CORS (repeatable)
  --worker-stopped     every server's background worker stopped, and the
                       servers say so (nothing finishes)
  --no-stall           every worker running. By default the Paperless-ngx 2
                       and InvenTree 0.16 demos start with a hung worker:
                       it takes nothing while the server still reports it
                       running, so work piles up (the last 40 minutes)
  --frozen             nothing moves by itself, as in the tests: no new
                       tasks arrive and waiting ones stay waiting
  --latency-ms N       delay every API response (fault injection)
  --error-rate R       answer a share R (0..1) of API requests with HTTP 500";

fn parse() -> Result<(DemoConfig, Fault), String> {
    let mut config = DemoConfig::standard(Some(PathBuf::from("dist")));
    // The demo as a person runs it: work moves, and two servers stall.
    config.live_worker = true;
    config.stalled = vec![Flavor::Paperless2, Flavor::InvenTree198];
    let mut fault = Fault::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("`{arg}` needs a value"));
        match arg.as_str() {
            "--ui" => config.ui_dir = Some(PathBuf::from(value()?)),
            "--no-ui" => config.ui_dir = None,
            "--port" => {
                let port: u16 = value()?.parse().map_err(|_| "--port needs a port number")?;
                config.ui_port = port;
                for (n, instance) in config.instances.iter_mut().enumerate() {
                    instance.port = port.checked_add(n as u16 + 1).unwrap_or(0);
                }
            }
            "--ephemeral-ports" => {
                config.ui_port = 0;
                config.instances.iter_mut().for_each(|i| i.port = 0);
            }
            "--host" => config.host = value()?.parse().map_err(|_| "--host needs an IP address")?,
            "--scale" => {
                config.scale = match value()?.as_str() {
                    "default" => Scale::DEFAULT,
                    "large" => Scale::LARGE,
                    other => return Err(format!("unknown scale `{other}`")),
                }
            }
            "--seed" => config.seed = value()?.parse().map_err(|_| "--seed needs a number")?,
            "--allow-origin" => config.extra_origins.push(value()?),
            "--worker-stopped" => config.worker_running = false,
            "--no-stall" => config.stalled.clear(),
            "--frozen" => config.live_worker = false,
            "--latency-ms" => {
                fault.latency = Duration::from_millis(
                    value()?
                        .parse()
                        .map_err(|_| "--latency-ms needs a number")?,
                )
            }
            "--error-rate" => {
                fault.error_rate = value()?
                    .parse()
                    .map_err(|_| "--error-rate needs a number from 0 to 1")?
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok((config, fault))
}

fn main() -> ExitCode {
    let (config, fault) = match parse() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("taskdeck-demo: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if !config.host.is_loopback() {
        eprintln!(
            "taskdeck-demo: warning: listening on {}, reachable from other machines",
            config.host
        );
    }
    let demo = match taskdeck_demo::start(config) {
        Ok(demo) => demo,
        Err(e) => {
            eprintln!("taskdeck-demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    for instance in &demo.instances {
        instance.set_fault("", fault.clone());
        println!("  {:<24} {}/api/", instance.name, instance.url());
    }
    match demo.ui_url() {
        Some(url) => println!("\nTaskdeck is running: open {url}/  (Ctrl+C to stop)"),
        None => println!("\nDemo APIs are running (Ctrl+C to stop)"),
    }
    match demo.wait() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("taskdeck-demo: {e}");
            ExitCode::FAILURE
        }
    }
}
