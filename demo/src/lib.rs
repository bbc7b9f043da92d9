//! Taskdeck's demo backend. It serves the Trunk-built UI from one loopback
//! address so the console can be opened without any real server.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::thread::JoinHandle;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower_http::services::{ServeDir, ServeFile};

#[derive(Clone, Debug)]
pub struct DemoConfig {
    /// The Trunk `dist/` folder.
    pub ui_dir: PathBuf,
}

pub fn router(config: &DemoConfig) -> Router {
    // Unknown paths get index.html so client-side routes survive a reload.
    let index = ServeFile::new(config.ui_dir.join("index.html"));
    Router::new().fallback_service(ServeDir::new(&config.ui_dir).fallback(index))
}

pub async fn serve(listener: TcpListener, config: DemoConfig) -> io::Result<()> {
    axum::serve(listener, router(&config)).await
}

/// A server on its own thread and runtime, for tests and tools that are not
/// async themselves. Stops when dropped.
pub struct RunningServer {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Binds `addr` (use port 0 for any free port) before returning, so the
/// server accepts connections as soon as this returns.
pub fn spawn(addr: SocketAddr, config: DemoConfig) -> io::Result<RunningServer> {
    let std_listener = std::net::TcpListener::bind(addr)?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("taskdeck-demo".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let listener = TcpListener::from_std(std_listener)?;
                axum::serve(listener, router(&config))
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
            })
        })?;
    Ok(RunningServer {
        addr,
        shutdown: Some(tx),
        thread: Some(thread),
    })
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
