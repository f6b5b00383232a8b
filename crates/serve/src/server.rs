//! Starting and stopping the server: load the models, bind, serve until a shutdown signal, and
//! let in-flight requests finish.

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

use crate::config::ServeConfig;
use crate::state::{AppState, StartError};

/// A bound, ready server.
pub struct Server {
    listener: TcpListener,
    app: Router,
    state: AppState,
}

impl Server {
    /// Loads the models (off the async workers), binds `addr` (`127.0.0.1:0` picks a free port)
    /// and starts the background precompute.
    pub async fn bind(config: ServeConfig, addr: &str) -> Result<Self, StartError> {
        let state = tokio::task::spawn_blocking(move || AppState::load(config))
            .await
            .map_err(|e| StartError::Io(std::io::Error::other(e)))??;
        let listener = TcpListener::bind(addr).await?;
        state.start_precompute(&state.models());
        let app = crate::api::router(state.clone());
        Ok(Self {
            listener,
            app,
            state,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Small answers go out at once rather than waiting to be coalesced.
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, self.app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
