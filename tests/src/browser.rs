//! A real headless Chromium for a test, driven over WebDriver.
//!
//! Each [`Browser`] runs its own `chromedriver` on a free loopback port (so
//! tests in parallel never share a session) and one Chromium session through
//! it; both end when the `Browser` is dropped.
//!
//! ```no_run
//! # async fn example() {
//! let browser = tests::browser::Browser::start().await;
//! browser.client.goto("http://127.0.0.1:8080/").await.unwrap();
//! # }
//! ```

use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::process::{free_port, start_listening};
use crate::services::chromium;

/// A Chromium session and the `chromedriver` it runs under.
#[derive(Debug)]
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
}

impl Browser {
    /// Starts `chromedriver` and a headless Chromium session. Waiting for
    /// the driver to listen blocks the thread (well under a second here).
    ///
    /// # Panics
    ///
    /// When Chromium or chromedriver is missing (`scripts/services.sh`
    /// installs both) or the session cannot start.
    pub async fn start() -> Browser {
        let (chromium, chromedriver) = chromium();
        let port = free_port();
        let driver = start_listening(
            Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                // Its own process group, with the Chromium it starts: a test
                // that fails before `close` still leaves no browser behind.
                .process_group(0),
            port,
        );
        let mut capabilities = fantoccini::wd::Capabilities::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            serde_json::json!({
                "binary": chromium,
                // Root in a container has no sandbox to run in.
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            }),
        );
        // WebDriver on loopback is plain HTTP: no TLS connector needed.
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|error| panic!("no Chromium session through chromedriver: {error}"));
        Browser { client, driver }
    }

    /// Opens `url` and returns the text of the element `css` once it exists
    /// (within 20 s): how a page's script reports what it saw.
    ///
    /// # Panics
    ///
    /// When the page does not load or the element never appears.
    pub async fn text_of(&self, url: &str, css: &str) -> String {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|error| panic!("Chromium did not open {url}: {error}"));
        let element = self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("{css} never appeared on {url}: {error}"));
        element.text().await.expect("the element's text")
    }

    /// Ends the session (Chromium quits), then the driver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: the driver and every Chromium process under it.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
