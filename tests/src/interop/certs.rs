//! TLS material made at test time: a self-signed certificate for the TLS
//! server side (`localhost`, `127.0.0.1`) and an unrelated one (a wrong
//! root), written as PEM files for the Python peer.

use std::path::Path;
use std::sync::Arc;

use amp_runtime::connection::rustls::{self, pki_types, ClientConfig, RootCertStore, ServerConfig};

/// A folder holding `server.pem` (certificate and key), `ca.pem` (the
/// certificate alone, the root a client trusts) and `other.pem` (a
/// certificate no server uses). Removed on drop.
pub struct TestCerts {
    dir: tempfile::TempDir,
    cert: pki_types::CertificateDer<'static>,
    key: pki_types::PrivatePkcs8KeyDer<'static>,
}

impl TestCerts {
    /// Makes both certificates and writes the files.
    pub fn new() -> Self {
        let server = rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("make the server certificate");
        let other =
            rcgen::generate_simple_self_signed(vec!["other.invalid".to_owned()]).expect("make another certificate");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).expect("write a PEM file");
        write("server.pem", server.cert.pem() + &server.key_pair.serialize_pem());
        write("ca.pem", server.cert.pem());
        write("other.pem", other.cert.pem());
        TestCerts {
            cert: server.cert.der().clone(),
            key: pki_types::PrivatePkcs8KeyDer::from(server.key_pair.serialize_der()),
            dir,
        }
    }

    /// The folder to pass to `tests/interop/peer.py`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn provider() -> Arc<rustls::crypto::CryptoProvider> {
        // Named explicitly: the process-wide default needs exactly one
        // provider feature enabled in the whole dependency graph.
        Arc::new(rustls::crypto::ring::default_provider())
    }

    /// A server configuration presenting the certificate.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        let config = ServerConfig::builder_with_provider(Self::provider())
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![self.cert.clone()], self.key.clone_key().into())
            .expect("the certificate and key match");
        Arc::new(config)
    }

    /// A client configuration trusting only the certificate.
    pub fn client_config(&self) -> Arc<ClientConfig> {
        let mut roots = RootCertStore::empty();
        roots.add(self.cert.clone()).expect("a valid root");
        let config = ClientConfig::builder_with_provider(Self::provider())
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    }
}

impl Default for TestCerts {
    fn default() -> Self {
        Self::new()
    }
}
