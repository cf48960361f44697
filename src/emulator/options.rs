//! Command-line options of the emulator's listener (`examples/emulator.rs`), parsed by hand, and
//! the one-line JSON announcement a client reads to find everything.

use super::{ClockMode, Emulator, EmulatorServer, Scenario, SourceVm, TlsIdentity};
use crate::api_version::ApiVersion;
use serde_json::{json, Value};
use std::path::PathBuf;

/// The usage text of the emulator's command line.
pub const USAGE: &str = "\
usage: emulator [options]
  --listen ADDR          address to listen on (default 127.0.0.1:0: any free port); an address
                         other than loopback needs --allow-remote
  --allow-remote         allow --listen on a non-loopback address (anyone who reaches it can
                         drive the emulator; a warning is printed)
  --public-name HOST:PORT  the name answers use in URLs instead of the bound address
  --vms N                number of source VMs (default 12, the default scenario's; more are
                         generated as vm-0013, ...)
  --api-versions A,B     Microsoft.DataReplication api-versions served
                         (default 2021-02-16-preview,2024-09-01,2026-05-01)
  --clock auto|manual    virtual clock (default auto: an answer that says Retry-After moves it
                         by the virtual time to the operation's next step)
  --retry-after-cap S    the most a Retry-After header advertises, in real seconds (default 1;
                         0 allowed, though some clients then fall back to their own interval,
                         e.g. 30 s for Azure SDKs). The auto clock still moves by the operation's
                         next step (up to an hour), so a client that really sleeps Retry-After
                         runs a whole drill in seconds
  --realistic-retry-after
                         advertise the virtual step itself (up to 300 s, the clock moving by as
                         much), for testing a client's own waiting logic
  --page-size N          list page size (default 100)
  --target-quota C,V     the target subscription's compute quota: C vCPUs, V VMs (default
                         200,100, the default scenario's; a failover beyond it is refused)
  --token T              require `Authorization: Bearer T` (default: no token needed)
  --tls                  serve HTTPS with a generated self-signed certificate
  --cert-dir DIR         where --tls writes emulator-cert.pem (default: a new temp directory)
  --no-seed-vault        start without the vault (by default vault `asrvault` exists with
                         policy `default-replication-policy` and extension
                         `default-replication-extension`, plus their failback twins)
  --seed-vault           (the default) create that vault at start
  --seed N               the scenario's random seed
  --until-stdin-closes   stop when standard input reaches end of file
  --help                 this text";

/// The longest virtual step one answer moves the auto clock by when the advertised
/// `Retry-After` is capped (`--retry-after-cap`, the default): an hour. With
/// `--realistic-retry-after` the step is the scenario's 300 s, as advertised.
pub const VIRTUAL_STEP_WITH_CAP: std::time::Duration = std::time::Duration::from_secs(3600);

/// Why the command line was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// `--help` (or `-h`) was given: print [`USAGE`].
    #[error("{USAGE}")]
    Help,
    /// An option is unknown, misses its value, or has a bad one.
    #[error("{0}\n{USAGE}")]
    Invalid(String),
}

/// The emulator listener's options.
///
/// ```
/// use azs_site_recovery::emulator::{ClockMode, ServerOptions};
/// let o = ServerOptions::from_args(["--listen", "127.0.0.1:8443", "--vms", "3", "--clock", "manual"]).unwrap();
/// assert_eq!(o.listen, "127.0.0.1:8443");
/// assert_eq!(o.vms, Some(3));
/// assert_eq!(o.clock, ClockMode::Manual);
/// assert_eq!(o.scenario().source_vms.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ServerOptions {
    /// `--listen`.
    pub listen: String,
    /// `--vms`: the number of source VMs (the default scenario's when `None`).
    pub vms: Option<usize>,
    /// `--api-versions` (all known when empty).
    pub api_versions: Vec<ApiVersion>,
    /// `--clock` (auto by default: an outside client can only poll).
    pub clock: ClockMode,
    /// `--page-size`.
    pub page_size: Option<usize>,
    /// `--token`.
    pub token: Option<String>,
    /// `--tls`.
    pub tls: bool,
    /// `--cert-dir`.
    pub cert_dir: Option<PathBuf>,
    /// The vault `asrvault` with its policies and extensions exists at start (`true` by default;
    /// `--no-seed-vault` turns it off).
    pub seed_vault: bool,
    /// `--retry-after-cap`: the most a `Retry-After` advertises, in real seconds (1 by default);
    /// `None` with `--realistic-retry-after` (the virtual step itself is advertised).
    pub retry_after_cap: Option<u64>,
    /// `--target-quota`: (vCPUs, VMs) of the target subscription.
    pub target_quota: Option<(u64, u64)>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--until-stdin-closes`.
    pub until_stdin_closes: bool,
    /// `--allow-remote`: `--listen` may name a non-loopback address.
    pub allow_remote: bool,
    /// `--public-name`: the `host:port` the answers' URLs name.
    pub public_name: Option<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            listen: "127.0.0.1:0".to_owned(),
            vms: None,
            api_versions: Vec::new(),
            clock: ClockMode::Auto,
            page_size: None,
            token: None,
            tls: false,
            cert_dir: None,
            seed_vault: true,
            retry_after_cap: Some(1),
            target_quota: None,
            seed: None,
            until_stdin_closes: false,
            allow_remote: false,
            public_name: None,
        }
    }
}

fn invalid(msg: String) -> OptionsError {
    OptionsError::Invalid(msg)
}

fn number<T: std::str::FromStr>(opt: &str, v: &str) -> Result<T, OptionsError> {
    v.trim()
        .parse()
        .map_err(|_| invalid(format!("{opt} needs a whole number, got '{v}'")))
}

impl ServerOptions {
    /// Parses the arguments after the program name (`std::env::args().skip(1)`). Both
    /// `--opt value` and `--opt=value` work.
    ///
    /// ```
    /// use azs_site_recovery::emulator::{OptionsError, ServerOptions};
    /// assert!(matches!(ServerOptions::from_args(["--vms"]), Err(OptionsError::Invalid(_))));
    /// assert_eq!(ServerOptions::from_args(["--help"]), Err(OptionsError::Help));
    /// ```
    pub fn from_args<I, S>(args: I) -> Result<ServerOptions, OptionsError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut o = ServerOptions::default();
        let mut it = args.into_iter().map(Into::into);
        while let Some(arg) = it.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
                _ => (arg.clone(), None),
            };
            let flag = |o: &mut ServerOptions, set: fn(&mut ServerOptions)| {
                if inline.is_some() {
                    Err(invalid(format!("{name} takes no value")))
                } else {
                    set(o);
                    Ok(())
                }
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| it.next())
                    .ok_or_else(|| invalid(format!("{name} needs a value")))
            };
            match name.as_str() {
                "-h" | "--help" => return Err(OptionsError::Help),
                "--listen" => o.listen = value()?,
                "--vms" => o.vms = Some(number("--vms", &value()?)?),
                "--page-size" => {
                    let n: usize = number("--page-size", &value()?)?;
                    if n == 0 {
                        return Err(invalid("--page-size must be at least 1".to_owned()));
                    }
                    o.page_size = Some(n);
                }
                "--seed" => o.seed = Some(number("--seed", &value()?)?),
                "--target-quota" => {
                    let v = value()?;
                    let parsed = v
                        .split_once(',')
                        .and_then(|(c, n)| Some((c.trim().parse().ok()?, n.trim().parse().ok()?)));
                    o.target_quota = Some(parsed.ok_or_else(|| {
                        invalid(format!(
                            "--target-quota needs CORES,VMS as two whole numbers, got '{v}'"
                        ))
                    })?);
                }
                "--api-versions" => {
                    let v = value()?;
                    o.api_versions = v
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(ApiVersion::custom)
                        .collect();
                    if o.api_versions.is_empty() {
                        return Err(invalid(format!(
                            "--api-versions needs a comma-separated list such as 2024-09-01, got '{v}'"
                        )));
                    }
                }
                "--clock" => {
                    o.clock = match value()?.as_str() {
                        "auto" => ClockMode::Auto,
                        "manual" => ClockMode::Manual,
                        other => {
                            return Err(invalid(format!(
                                "--clock is auto or manual, got '{other}'"
                            )))
                        }
                    }
                }
                "--token" => {
                    let t = value()?;
                    if t.is_empty() || t.contains(char::is_whitespace) {
                        return Err(invalid(
                            "--token needs a non-empty token without spaces".to_owned(),
                        ));
                    }
                    o.token = Some(t);
                }
                "--cert-dir" => o.cert_dir = Some(PathBuf::from(value()?)),
                "--tls" => flag(&mut o, |o| o.tls = true)?,
                "--seed-vault" => flag(&mut o, |o| o.seed_vault = true)?,
                "--no-seed-vault" => flag(&mut o, |o| o.seed_vault = false)?,
                "--retry-after-cap" => {
                    let v = value()?;
                    let secs: u64 = v.trim().parse().map_err(|_| {
                        invalid(format!(
                            "--retry-after-cap needs a whole number of seconds (0 allowed), got '{v}'"
                        ))
                    })?;
                    o.retry_after_cap = Some(secs);
                }
                "--realistic-retry-after" => flag(&mut o, |o| o.retry_after_cap = None)?,
                "--until-stdin-closes" => flag(&mut o, |o| o.until_stdin_closes = true)?,
                "--allow-remote" => flag(&mut o, |o| o.allow_remote = true)?,
                "--public-name" => o.public_name = Some(value()?),
                other => return Err(invalid(format!("unknown option '{other}'"))),
            }
        }
        if o.is_remote() && !o.allow_remote {
            return Err(invalid(format!(
                "--listen {} is not a loopback address: anyone who reaches it could drive the \
                 emulator; add --allow-remote if that is intended",
                o.listen
            )));
        }
        Ok(o)
    }

    /// Whether `--listen` names something other than loopback (`127.0.0.0/8`, `::1`,
    /// `localhost`).
    ///
    /// ```
    /// use azs_site_recovery::emulator::ServerOptions;
    /// assert!(ServerOptions::from_args(["--listen", "0.0.0.0:8443"]).is_err());
    /// let o = ServerOptions::from_args(["--listen", "0.0.0.0:8443", "--allow-remote"]).unwrap();
    /// assert!(o.is_remote());
    /// ```
    pub fn is_remote(&self) -> bool {
        let host = match self.listen.rsplit_once(':') {
            Some((h, _)) => h,
            None => self.listen.as_str(),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.eq_ignore_ascii_case("localhost") {
            return false;
        }
        !host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
    }

    /// The scenario these options describe: the [default](Scenario::default) with the number
    /// of VMs, clock, page size, token, api-versions, advertised `Retry-After` and seeded vault
    /// changed.
    pub fn scenario(&self) -> Scenario {
        let mut b = Scenario::builder()
            .clock_mode(self.clock)
            .seed_vault(self.seed_vault)
            .advertised_retry_after_cap(self.retry_after_cap.map(std::time::Duration::from_secs))
            .api_versions(self.api_versions.iter().cloned());
        if self.retry_after_cap.is_some() {
            // What a client waits is capped separately: the virtual clock may move by the
            // operation's whole next step (a 2-hour initial replication in two or three polls).
            b = b.max_retry_after(VIRTUAL_STEP_WITH_CAP);
        }
        if let Some(n) = self.page_size {
            b = b.page_size(n);
        }
        if let Some(s) = self.seed {
            b = b.seed(s);
        }
        if let Some((cores, vms)) = self.target_quota {
            b = b.compute_quota(super::ComputeQuota::new(cores, vms));
        }
        if let Some(t) = &self.token {
            b = b.static_token(t);
        }
        let have = Scenario::default().source_vms.len();
        if let Some(n) = self.vms {
            b = b.source_vms((have..n).map(|i| SourceVm::linux(&format!("vm-{:04}", i + 1))));
        }
        let mut sc = b.build();
        if let Some(n) = self.vms {
            sc.source_vms.truncate(n);
        }
        sc
    }

    /// Builds the emulator and starts its listener (HTTPS with `--tls`, the certificate written
    /// to `--cert-dir` or a new temporary directory).
    pub fn start(&self) -> std::io::Result<Started> {
        let emulator = Emulator::new(self.scenario());
        let (server, cert_path) = if self.tls {
            let dir = self.cert_dir.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("azs-emulator-{}", std::process::id()))
            });
            let identity = TlsIdentity::self_signed(&dir)?;
            let server = match &self.public_name {
                Some(name) => EmulatorServer::start_with_public_name(
                    emulator.clone(),
                    &*self.listen,
                    Some(&identity),
                    name,
                )?,
                None => EmulatorServer::start_tls(emulator.clone(), &*self.listen, &identity)?,
            };
            (server, Some(identity.cert_path().to_path_buf()))
        } else {
            let server = match &self.public_name {
                Some(name) => EmulatorServer::start_with_public_name(
                    emulator.clone(),
                    &*self.listen,
                    None,
                    name,
                )?,
                None => EmulatorServer::start(emulator.clone(), &*self.listen)?,
            };
            (server, None)
        };
        Ok(Started {
            emulator,
            server,
            cert_path,
            options: self.clone(),
        })
    }
}

/// A started listener with its emulator.
#[derive(Debug)]
#[non_exhaustive]
pub struct Started {
    /// The emulator (drive it in-process too).
    pub emulator: Emulator,
    /// The listener.
    pub server: EmulatorServer,
    /// The certificate's PEM file with `--tls`.
    pub cert_path: Option<PathBuf>,
    /// The options it was started with.
    pub options: ServerOptions,
}

impl Started {
    /// The announcement printed as one JSON line: everything a client needs.
    ///
    /// `endpoint`, `control_endpoint`, `subscription_id` (the target stamp's, where the vault
    /// lives), `source_subscription_id`, `resource_group` (the vault's), `location`, `api_versions`,
    /// `tls`, `cert_path` (or null), `token_required`, `clock`, `page_size`, `source_fabric_id`,
    /// `target_fabric_id`, `appliance_id` (the fabric agent), `appliance_vm_id`, `source_vm_ids`,
    /// `target_network_ids`, `target_resource_group_ids`, `cache_storage_account_id` (the first target
    /// storage account), `target_storage_account_ids`, `retry_after_cap_seconds` (null with
    /// `--realistic-retry-after`), `vault_id`, `vault_name`, `policy_name`, `extension_name`,
    /// `failback_policy_name`, `failback_extension_name` (all null with `--no-seed-vault`), and
    /// for clients that get their token themselves: `metadata_endpoint`, `token_endpoint`
    /// (client-credentials; its tokens are accepted also with `--token`), `tenant_id`, `client_id`,
    /// `client_secret` (the scenario's service principal; emulator-only values).
    pub fn announcement(&self) -> Value {
        let t = self.emulator.topology();
        let base = self.server.base_url();
        let sc = self.options.scenario();
        let versions: Vec<&str> = sc.api_versions.iter().map(ApiVersion::as_str).collect();
        use super::topology::{
            SEED_EXTENSION, SEED_FAILBACK_EXTENSION, SEED_FAILBACK_POLICY, SEED_POLICY, SEED_VAULT,
        };
        let seeded = |name: &str| self.options.seed_vault.then(|| name.to_owned());
        let vault_id = self.options.seed_vault.then(|| t.vault_id(SEED_VAULT));
        let identity = sc.identities.first();
        let rg = t
            .asr_resource_group_id
            .rsplit('/')
            .next()
            .unwrap_or_default();
        json!({
            "endpoint": base,
            "control_endpoint": format!("{base}/_emulator"),
            "subscription_id": t.target_subscription,
            "source_subscription_id": t.source_subscription,
            "resource_group": rg,
            "resource_group_id": t.asr_resource_group_id,
            "location": t.target_location,
            "api_versions": versions,
            "tls": self.cert_path.is_some(),
            "cert_path": self.cert_path.as_ref().map(|p| p.display().to_string()),
            "token_required": self.options.token.is_some(),
            "clock": match self.options.clock { ClockMode::Auto => "auto", ClockMode::Manual => "manual" },
            "page_size": sc.page_size,
            "source_fabric_id": t.source_fabric_id,
            "target_fabric_id": t.target_fabric_id,
            "appliance_id": t.appliance_id,
            "appliance_vm_id": t.appliance_vm_id,
            "source_vm_ids": t.source_vm_ids,
            "target_network_ids": t.target_network_ids,
            "target_resource_group_ids": t.target_resource_group_ids,
            "cache_storage_account_id": t.target_storage_account_ids.first(),
            "target_storage_account_ids": t.target_storage_account_ids,
            "retry_after_cap_seconds": self.options.retry_after_cap,
            "vault_id": vault_id,
            "vault_name": seeded(SEED_VAULT),
            "policy_name": seeded(SEED_POLICY),
            "extension_name": seeded(SEED_EXTENSION),
            "failback_policy_name": seeded(SEED_FAILBACK_POLICY),
            "failback_extension_name": seeded(SEED_FAILBACK_EXTENSION),
            "metadata_endpoint": format!("{base}/metadata/endpoints?api-version=2015-01-01"),
            "token_endpoint": format!("{base}/adfs/oauth2/token"),
            "tenant_id": super::defaults::TENANT_ID,
            "client_id": identity.map(|i| i.client_id.clone()),
            "client_secret": identity.map(|i| i.client_secret.clone()),
        })
    }
}
