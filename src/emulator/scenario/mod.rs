//! What the emulated world contains when it starts: the two Azure Stack Hub stamps, the
//! replication appliance, identities and role assignments, and the emulator's own settings.
//!
//! [`Scenario::default()`] is the documented default world; [`Scenario::builder()`] starts from
//! it and changes what a test needs.
//!
//! # The default scenario
//!
//! * **Source stamp** (`redmond`, subscription `5f0c5d7e-1c1a-4b8e-9a4e-000000000001`): resource
//!   group `production-rg` with virtual network `prod-vnet` (`10.1.0.0/16`, subnet `default`) and
//!   twelve VMs, Windows and Linux: `web-01`..`web-03` (Windows, 127 GiB OS disk), `app-01`..`app-03`
//!   (Linux, 30 + 64 GiB), `sql-01` (Windows, **three disks**: 127 + 512 + 1024 GiB), `file-01`,
//!   `dc-01`, `jump-01` (Linux, deallocated), `mon-01` and `cache-01`. The appliance VM
//!   `asr-appliance-01` runs in resource group `asr-appliance-rg`.
//! * **Target stamp** (`seattle`, subscription `5f0c5d7e-1c1a-4b8e-9a4e-000000000002`): resource
//!   groups `asr-rg` (the vault's) and `dr-rg` (failed-over VMs), both tagged; virtual networks
//!   `dr-vnet` (`10.20.0.0/16`, subnets `default` and `app`) and `test-vnet` (`10.30.0.0/16`) in
//!   `dr-rg`; storage account `asrcache01` (the cache account) in `asr-rg`; a compute quota of 200
//!   cores and 100 VMs.
//! * **Appliance**: registered as fabric agent `asrappliance01` of the source fabric, healthy,
//!   heartbeat current, 32 data-disk slots of which it uses 1 (so 31 free, like the default
//!   Standard DS4_v2 appliance: Microsoft's Azure Stack Hub capacity documentation).
//! * **Operator set-up already done**: fabrics `azshsource` and `azshtarget` in `asr-rg`, the
//!   appliance registered. The vault, policy and extension are the user's to create (the
//!   quickstart does it), or [`ScenarioBuilder::seed_vault`] creates them.
//! * **Identity**: service principal `asr-automation` (client id
//!   `9d7b1f2a-0000-4000-8000-00000000a5a5`, secret `emulator-secret`), Owner of the source
//!   subscription and Contributor of the target subscription.
//! * **Emulator settings**: seed `0x5EED`, clock starting at 2026-01-01T00:00:00Z in manual mode,
//!   pages of 100, replication throughput 50 MiB/s (a 127 GiB VM takes about 43 minutes of virtual
//!   time to replicate initially), `Retry-After` capped at 300 s (the virtual step; nothing
//!   smaller is advertised unless [`ScenarioBuilder::advertised_retry_after_cap`] says so).

mod parts;

pub use parts::*;

use super::clock::ClockMode;
use super::faults::Fault;
use crate::api_version::ApiVersion;
use chrono::{DateTime, TimeZone, Utc};
use std::time::Duration;

/// The whole emulated world; build one with [`Scenario::builder`] or take the
/// [`Scenario::default`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Scenario {
    /// The source stamp.
    pub source: Stamp,
    /// The resource group of source VMs that name none.
    pub source_workload_group: String,
    /// VMs on the source stamp.
    pub source_vms: Vec<SourceVm>,
    /// The target stamp (where the vault lives).
    pub target: Stamp,
    /// The resource group holding the fabrics (and, with `seed_vault`, the vault).
    pub asr_resource_group: String,
    /// The source fabric's name.
    pub source_fabric: String,
    /// The target fabric's name.
    pub target_fabric: String,
    /// The replication appliance.
    pub appliance: Appliance,
    /// The appliance VM's resource group on the source stamp.
    pub appliance_resource_group: String,
    /// Service principals.
    pub identities: Vec<Identity>,
    /// Role assignments on both stamps.
    pub role_assignments: Vec<RoleAssignment>,
    /// Create a vault `asrvault` with policies and extensions (both directions) at start.
    pub seed_vault: bool,
    /// Seed of the fault generator and of generated ids.
    pub seed: u64,
    /// The virtual clock's start.
    pub start_time: DateTime<Utc>,
    /// Manual or auto clock.
    pub clock_mode: ClockMode,
    /// Items per list page unless the request asks for `pageSize`.
    pub page_size: usize,
    /// Replication throughput per protected item, MiB/s (initial replication and re-protect take
    /// total disk size / throughput).
    pub throughput_mib_per_s: f64,
    /// The most a `Retry-After` header says: the virtual time to the operation's next step is
    /// clamped to this, and in [`ClockMode::Auto`] a response moves the clock by that clamped
    /// step.
    pub max_retry_after: Duration,
    /// The most a `Retry-After` header *advertises* in real seconds, separately from the virtual
    /// step above (`None`, the default: the header says the virtual step). A listener sets it
    /// (1 s by default) so that a client that really sleeps `Retry-After` seconds finishes a drill
    /// in seconds, while the auto clock still moves by the full virtual step. Injected throttling
    /// keeps the `Retry-After` it was given.
    pub advertised_retry_after_cap: Option<Duration>,
    /// Enforce the public specs' `^[a-zA-Z0-9]*$` on resource names (off by default: Azure Stack
    /// Hub's own defaults contain hyphens; Azure Stack Hub's naming).
    pub strict_names: bool,
    /// Require a bearer token issued by the emulator's token endpoint on ARM requests.
    pub require_auth: bool,
    /// A fixed bearer token accepted (with `require_auth`) besides those the token endpoint
    /// issued, for clients that bring their own credential.
    pub static_token: Option<String>,
    /// The `Microsoft.DataReplication` api-versions served (all of [`ApiVersion::KNOWN`] by
    /// default); others are refused with `NoRegisteredProviderFound`.
    pub api_versions: Vec<ApiVersion>,
    /// Faults active from the start.
    pub faults: Vec<Fault>,
}

/// The well-known ids of the default scenario.
pub mod defaults {
    /// The source stamp's subscription.
    pub const SOURCE_SUBSCRIPTION: &str = "5f0c5d7e-1c1a-4b8e-9a4e-000000000001";
    /// The target stamp's subscription.
    pub const TARGET_SUBSCRIPTION: &str = "5f0c5d7e-1c1a-4b8e-9a4e-000000000002";
    /// The service principal's client id.
    pub const CLIENT_ID: &str = "9d7b1f2a-0000-4000-8000-00000000a5a5";
    /// The service principal's secret.
    pub const CLIENT_SECRET: &str = "emulator-secret";
    /// The service principal's object id.
    pub const OBJECT_ID: &str = "3c1e9a70-0000-4000-8000-0000000000b0";
    /// The tenant id the token endpoint reports.
    pub const TENANT_ID: &str = "6e2a8f41-0000-4000-8000-0000000000c0";
}

impl Default for Scenario {
    fn default() -> Self {
        use defaults::*;
        let src_vms = vec![
            SourceVm::windows("web-01"),
            SourceVm::windows("web-02"),
            SourceVm::windows("web-03"),
            SourceVm::linux("app-01").data_disk(64),
            SourceVm::linux("app-02").data_disk(64),
            SourceVm::linux("app-03").data_disk(64),
            SourceVm::windows("sql-01")
                .size("Standard_DS4_v2")
                .data_disk(512)
                .data_disk(1024),
            SourceVm::windows("file-01")
                .size("Standard_DS3_v2")
                .data_disk(256),
            SourceVm::windows("dc-01").size("Standard_DS1_v2"),
            SourceVm::linux("jump-01")
                .size("Standard_DS1_v2")
                .power_state(PowerState::Deallocated),
            SourceVm::linux("mon-01").data_disk(128),
            SourceVm::linux("cache-01"),
        ];
        let source_vms = src_vms
            .into_iter()
            .enumerate()
            .map(|(i, vm)| {
                let ip = format!("10.1.0.{}", 10 + i);
                vm.nic("prod-vnet", "default", &ip)
            })
            .collect();
        Scenario {
            source: Stamp {
                subscription_id: SOURCE_SUBSCRIPTION.to_owned(),
                location: "redmond".to_owned(),
                resource_groups: vec![
                    ResourceGroup::new("production-rg").tag("environment", "production"),
                    ResourceGroup::new("asr-appliance-rg"),
                ],
                networks: vec![
                    VirtualNetwork::new("prod-vnet", "production-rg", "10.1.0.0/16")
                        .subnet("default", "10.1.0.0/24"),
                ],
                storage_accounts: vec![StorageAccount::new("prodbootdiag01", "production-rg")],
                quota: ComputeQuota::new(400, 200),
            },
            source_workload_group: "production-rg".to_owned(),
            source_vms,
            target: Stamp {
                subscription_id: TARGET_SUBSCRIPTION.to_owned(),
                location: "seattle".to_owned(),
                resource_groups: vec![
                    ResourceGroup::new("asr-rg")
                        .tag("environment", "dr")
                        .tag("costCenter", "1234"),
                    ResourceGroup::new("dr-rg")
                        .tag("environment", "dr")
                        .tag("costCenter", "1234"),
                ],
                networks: vec![
                    VirtualNetwork::new("dr-vnet", "dr-rg", "10.20.0.0/16")
                        .subnet("default", "10.20.0.0/24")
                        .subnet("app", "10.20.1.0/24"),
                    VirtualNetwork::new("test-vnet", "dr-rg", "10.30.0.0/16")
                        .subnet("default", "10.30.0.0/24"),
                ],
                storage_accounts: vec![StorageAccount::new("asrcache01", "asr-rg")],
                quota: ComputeQuota::new(200, 100),
            },
            asr_resource_group: "asr-rg".to_owned(),
            source_fabric: "azshsource".to_owned(),
            target_fabric: "azshtarget".to_owned(),
            appliance: Appliance::default(),
            appliance_resource_group: "asr-appliance-rg".to_owned(),
            identities: vec![Identity::new(
                "asr-automation",
                CLIENT_ID,
                CLIENT_SECRET,
                OBJECT_ID,
            )],
            role_assignments: vec![
                RoleAssignment::new(
                    OBJECT_ID,
                    Role::Owner,
                    &format!("/subscriptions/{SOURCE_SUBSCRIPTION}"),
                ),
                RoleAssignment::new(
                    OBJECT_ID,
                    Role::Contributor,
                    &format!("/subscriptions/{TARGET_SUBSCRIPTION}"),
                ),
            ],
            seed_vault: false,
            seed: 0x5EED,
            start_time: Utc
                .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_else(Utc::now),
            clock_mode: ClockMode::Manual,
            page_size: 100,
            throughput_mib_per_s: 50.0,
            max_retry_after: Duration::from_secs(300),
            advertised_retry_after_cap: None,
            strict_names: false,
            require_auth: false,
            static_token: None,
            api_versions: ApiVersion::KNOWN.to_vec(),
            faults: Vec::new(),
        }
    }
}

impl Scenario {
    /// A builder that starts from the [default scenario](Scenario::default).
    ///
    /// ```
    /// use azs_site_recovery::emulator::{ClockMode, Scenario, SourceVm};
    /// let scenario = Scenario::builder()
    ///     .clear_source_vms()
    ///     .source_vm(SourceVm::linux("api-01").data_disk(100))
    ///     .clock_mode(ClockMode::Auto)
    ///     .page_size(10)
    ///     .build();
    /// assert_eq!(scenario.source_vms.len(), 1);
    /// ```
    pub fn builder() -> ScenarioBuilder {
        ScenarioBuilder {
            scenario: Scenario::default(),
        }
    }

    /// The resource group of a source VM.
    pub(crate) fn vm_group<'a>(&'a self, vm: &'a SourceVm) -> &'a str {
        vm.resource_group
            .as_deref()
            .unwrap_or(&self.source_workload_group)
    }
}

/// Builds a [`Scenario`] from the default one.
#[derive(Debug, Clone)]
pub struct ScenarioBuilder {
    scenario: Scenario,
}

impl ScenarioBuilder {
    /// Removes every source VM (to add your own).
    pub fn clear_source_vms(mut self) -> Self {
        self.scenario.source_vms.clear();
        self
    }

    /// Adds a source VM; without NICs it gets one on the source workload network.
    pub fn source_vm(mut self, mut vm: SourceVm) -> Self {
        if vm.nics.is_empty() {
            let n = self.scenario.source_vms.len();
            let ip = format!("10.1.{}.{}", 1 + n / 250, 4 + n % 250);
            let (net, sub) = self
                .scenario
                .source
                .networks
                .first()
                .map(|n| {
                    (
                        n.name.clone(),
                        n.subnets
                            .first()
                            .map(|s| s.name.clone())
                            .unwrap_or_else(|| "default".to_owned()),
                    )
                })
                .unwrap_or_else(|| ("prod-vnet".to_owned(), "default".to_owned()));
            vm = vm.nic(&net, &sub, &ip);
        }
        self.scenario.source_vms.push(vm);
        self
    }

    /// Adds many source VMs.
    pub fn source_vms(mut self, vms: impl IntoIterator<Item = SourceVm>) -> Self {
        for vm in vms {
            self = self.source_vm(vm);
        }
        self
    }

    /// Adds a resource group to the source stamp.
    pub fn source_resource_group(mut self, rg: ResourceGroup) -> Self {
        self.scenario.source.resource_groups.push(rg);
        self
    }

    /// Adds a virtual network to the source stamp.
    pub fn source_network(mut self, vnet: VirtualNetwork) -> Self {
        self.scenario.source.networks.push(vnet);
        self
    }

    /// Adds (or replaces, by name) a resource group of the target stamp.
    pub fn target_resource_group(mut self, rg: ResourceGroup) -> Self {
        let groups = &mut self.scenario.target.resource_groups;
        groups.retain(|g| !g.name.eq_ignore_ascii_case(&rg.name));
        groups.push(rg);
        self
    }

    /// Adds (or replaces, by name) a virtual network of the target stamp.
    pub fn target_network(mut self, vnet: VirtualNetwork) -> Self {
        let nets = &mut self.scenario.target.networks;
        nets.retain(|n| !n.name.eq_ignore_ascii_case(&vnet.name));
        nets.push(vnet);
        self
    }

    /// Removes a target network (a missing-network scenario from the start).
    pub fn without_target_network(mut self, name: &str) -> Self {
        self.scenario
            .target
            .networks
            .retain(|n| !n.name.eq_ignore_ascii_case(name));
        self
    }

    /// Adds a storage account to the target stamp.
    pub fn target_storage_account(mut self, account: StorageAccount) -> Self {
        self.scenario.target.storage_accounts.push(account);
        self
    }

    /// Sets the target subscription's compute quota.
    pub fn compute_quota(mut self, quota: ComputeQuota) -> Self {
        self.scenario.target.quota = quota;
        self
    }

    /// Replaces the appliance.
    pub fn appliance(mut self, appliance: Appliance) -> Self {
        self.scenario.appliance = appliance;
        self
    }

    /// Adds a service principal.
    pub fn identity(mut self, identity: Identity) -> Self {
        self.scenario.identities.push(identity);
        self
    }

    /// Adds a role assignment.
    pub fn role_assignment(mut self, assignment: RoleAssignment) -> Self {
        self.scenario.role_assignments.push(assignment);
        self
    }

    /// Removes every role assignment (to test missing RBAC).
    pub fn clear_role_assignments(mut self) -> Self {
        self.scenario.role_assignments.clear();
        self
    }

    /// Pre-creates vault `asrvault` in the ASR resource group with policy
    /// `default-replication-policy`, extension `default-replication-extension`, and the failback
    /// pair Microsoft's scripts use (`failback-default-replication-policy`,
    /// `default-failback-extension`).
    pub fn seed_vault(mut self, yes: bool) -> Self {
        self.scenario.seed_vault = yes;
        self
    }

    /// The seed of the fault generator and of generated ids.
    pub fn seed(mut self, seed: u64) -> Self {
        self.scenario.seed = seed;
        self
    }

    /// When the virtual clock starts.
    pub fn start_time(mut self, t: DateTime<Utc>) -> Self {
        self.scenario.start_time = t;
        self
    }

    /// Manual or auto clock (see [`ClockMode`]).
    pub fn clock_mode(mut self, mode: ClockMode) -> Self {
        self.scenario.clock_mode = mode;
        self
    }

    /// Items per list page.
    pub fn page_size(mut self, n: usize) -> Self {
        self.scenario.page_size = n.max(1);
        self
    }

    /// Replication throughput per item in MiB/s (must be positive; others are ignored).
    pub fn throughput_mib_per_s(mut self, mib: f64) -> Self {
        if mib.is_finite() && mib > 0.0 {
            self.scenario.throughput_mib_per_s = mib;
        }
        self
    }

    /// The most a `Retry-After` header says.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.scenario.max_retry_after = d.max(Duration::from_secs(1));
        self
    }

    /// The most a `Retry-After` header advertises (real seconds; `Some(0)` allowed), separately
    /// from the virtual step the auto clock moves by; `None` advertises the virtual step.
    ///
    /// ```
    /// use azs_site_recovery::emulator::Scenario;
    /// use std::time::Duration;
    /// let sc = Scenario::builder().advertised_retry_after_cap(Some(Duration::from_secs(1))).build();
    /// assert_eq!(sc.advertised_retry_after_cap, Some(Duration::from_secs(1)));
    /// assert_eq!(sc.max_retry_after, Duration::from_secs(300)); // the virtual step is unchanged
    /// ```
    pub fn advertised_retry_after_cap(mut self, cap: Option<Duration>) -> Self {
        self.scenario.advertised_retry_after_cap = cap;
        self
    }

    /// Enforce `^[a-zA-Z0-9]*$` on resource names.
    pub fn strict_names(mut self, yes: bool) -> Self {
        self.scenario.strict_names = yes;
        self
    }

    /// Require bearer tokens from the token endpoint.
    pub fn require_auth(mut self, yes: bool) -> Self {
        self.scenario.require_auth = yes;
        self
    }

    /// Require `Authorization: Bearer {token}` on every ARM call (tokens from the token
    /// endpoint stay valid too). Turns [`require_auth`](ScenarioBuilder::require_auth) on.
    pub fn static_token(mut self, token: &str) -> Self {
        self.scenario.static_token = Some(token.to_owned());
        self.scenario.require_auth = true;
        self
    }

    /// Serve only these `Microsoft.DataReplication` api-versions (an empty list keeps the
    /// current set).
    ///
    /// ```
    /// use azs_site_recovery::api_version::ApiVersion;
    /// use azs_site_recovery::emulator::Scenario;
    /// let sc = Scenario::builder().api_versions([ApiVersion::V2024_09_01]).build();
    /// assert_eq!(sc.api_versions, [ApiVersion::V2024_09_01]);
    /// ```
    pub fn api_versions(mut self, versions: impl IntoIterator<Item = ApiVersion>) -> Self {
        let v: Vec<ApiVersion> = versions.into_iter().collect();
        if !v.is_empty() {
            self.scenario.api_versions = v;
        }
        self
    }

    /// A fault active from the start.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.scenario.faults.push(fault);
        self
    }

    /// The finished scenario.
    pub fn build(self) -> Scenario {
        self.scenario
    }
}
