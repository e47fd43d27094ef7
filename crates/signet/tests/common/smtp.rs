//! A real SMTP server (aiosmtpd, which scripts/test installs in its venv) that records every
//! message it receives.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct SmtpSink {
    child: Child,
    pub url: String,
    messages: Arc<Mutex<Vec<Value>>>,
}

/// The venv's Python when scripts/test runs the tests, else the one on PATH.
fn python() -> String {
    match std::env::var("SIGNET_TEST_TOOLS") {
        Ok(tools) => format!("{tools}/venv/bin/python"),
        Err(_) => "python3".into(),
    }
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        SmtpSink::start_on(port)
    }

    /// On a port of the caller's choosing (one a server is already configured with).
    pub fn start_on(port: u16) -> SmtpSink {
        let mut child = Command::new(python())
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py"))
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python runs the SMTP sink (scripts/test installs aiosmtpd)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        if first != "READY" {
            let _ = child.kill();
            panic!("the SMTP sink did not start ({first:?}); run the tests through scripts/test");
        }
        let messages: Arc<Mutex<Vec<Value>>> = Arc::default();
        let sink = messages.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str(&line) {
                    sink.lock().unwrap().push(v);
                }
            }
        });
        SmtpSink {
            child,
            url: format!("smtp://127.0.0.1:{port}"),
            messages,
        }
    }

    pub fn messages(&self) -> Vec<Value> {
        self.messages.lock().unwrap().clone()
    }

    /// Waits (up to 20 s) until `n` messages arrived; returns them in order.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let all = self.messages();
            if all.len() >= n {
                return all;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {n} mails; got {all:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
