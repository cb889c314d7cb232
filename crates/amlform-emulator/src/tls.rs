//! HTTPS for the standalone emulator: a generated certificate authority and server
//! certificate (rcgen), and an axum listener that completes TLS handshakes off the accept loop.

use std::fs;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;

pub const CA_FILE: &str = "ca.pem";
const CERT_FILE: &str = "server.pem";
const KEY_FILE: &str = "server.key";

/// The certificate files in a directory, and the server configuration made from them.
#[derive(Debug, Clone)]
pub struct TlsMaterial {
    /// The CA certificate clients must trust (PEM).
    pub ca_path: PathBuf,
    config: Arc<ServerConfig>,
}

impl TlsMaterial {
    /// Reuses the certificates in `dir`, or generates a CA and a server certificate for
    /// `localhost` and `127.0.0.1` signed by it.
    pub fn load_or_create(dir: &Path) -> io::Result<TlsMaterial> {
        fs::create_dir_all(dir)?;
        let (ca_path, cert_path, key_path) =
            (dir.join(CA_FILE), dir.join(CERT_FILE), dir.join(KEY_FILE));
        if !(ca_path.exists() && cert_path.exists() && key_path.exists()) {
            generate(&ca_path, &cert_path, &key_path).map_err(io::Error::other)?;
        }
        let chain = CertificateDer::pem_file_iter(&cert_path)
            .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
            .map_err(io::Error::other)?;
        let key = PrivateKeyDer::from_pem_file(&key_path).map_err(io::Error::other)?;
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(io::Error::other)?;
        Ok(TlsMaterial {
            ca_path,
            config: Arc::new(config),
        })
    }
}

fn generate(ca_path: &Path, cert_path: &Path, key_path: &Path) -> Result<(), rcgen::Error> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };

    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "amlform emulator local CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut server_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "amlform emulator");
    let server_key = KeyPair::generate()?;
    let server_cert = server_params.signed_by(&server_key, &issuer)?;

    let write = |path: &Path, contents: String| {
        fs::write(path, contents).map_err(|_| rcgen::Error::CouldNotParseCertificate)
    };
    write(ca_path, ca_cert.pem())?;
    write(cert_path, format!("{}{}", server_cert.pem(), ca_cert.pem()))?;
    write(key_path, server_key.serialize_pem())?;
    restrict_to_owner(key_path);
    Ok(())
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_to_owner(_path: &Path) {}

/// A TLS listener for `axum::serve`. Handshakes run in their own tasks, so one slow or
/// broken client cannot hold up the others; failed handshakes are dropped.
#[derive(Debug)]
pub struct TlsListener {
    incoming: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
}

impl TlsListener {
    pub fn new(listener: TcpListener, material: &TlsMaterial) -> io::Result<TlsListener> {
        let local_addr = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(material.config.clone());
        let (sender, incoming) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    continue;
                };
                let (acceptor, handshake_sender) = (acceptor.clone(), sender.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(stream).await {
                        let _ = handshake_sender.send((tls, peer)).await;
                    }
                });
                if sender.is_closed() {
                    break;
                }
            }
        });
        Ok(TlsListener {
            incoming,
            local_addr,
        })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(connection) => connection,
            // The accept loop ended: nothing will ever arrive.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}
