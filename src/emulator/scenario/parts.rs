//! The building blocks of a scenario: VMs, disks, NICs, networks, storage accounts, resource
//! groups, quota, the appliance, identities and role assignments, stamps.

use std::collections::BTreeMap;

/// The guest OS family of a VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsType {
    /// Windows.
    Windows,
    /// Linux.
    Linux,
}

impl OsType {
    /// The ARM spelling (`Windows` / `Linux`).
    pub fn as_str(self) -> &'static str {
        match self {
            OsType::Windows => "Windows",
            OsType::Linux => "Linux",
        }
    }
}

/// A VM's power state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerState {
    /// `PowerState/running`.
    Running,
    /// `PowerState/stopped`.
    Stopped,
    /// `PowerState/deallocated`.
    Deallocated,
}

impl PowerState {
    /// The ARM instance-view code (`PowerState/running`, ...).
    pub fn code(self) -> &'static str {
        match self {
            PowerState::Running => "PowerState/running",
            PowerState::Stopped => "PowerState/stopped",
            PowerState::Deallocated => "PowerState/deallocated",
        }
    }
}

/// A managed disk of a source VM.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Disk {
    /// The disk's name.
    pub name: String,
    /// Its size in GiB.
    pub size_gb: u64,
}

/// A network interface of a source VM.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Nic {
    /// The NIC's name.
    pub name: String,
    /// The virtual network it is attached to (in the VM's resource group).
    pub network: String,
    /// The subnet.
    pub subnet: String,
    /// Its private IP address.
    pub private_ip: String,
}

/// A VM on the source stamp.
///
/// ```
/// use azs_site_recovery::emulator::SourceVm;
/// let vm = SourceVm::windows("erp-01").size("Standard_DS3_v2").data_disk(512);
/// assert_eq!(vm.disks.len(), 2);
/// assert_eq!(vm.total_disk_gb(), 127 + 512);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SourceVm {
    /// The VM's name.
    pub name: String,
    /// The resource group (default: the source stamp's workload group).
    pub resource_group: Option<String>,
    /// The guest OS family.
    pub os_type: OsType,
    /// The VM size, e.g. `Standard_DS2_v2`.
    pub size: String,
    /// The disks; the first is the OS disk.
    pub disks: Vec<Disk>,
    /// The NICs (default: one NIC on the source network).
    pub nics: Vec<Nic>,
    /// The power state.
    pub power_state: PowerState,
}

impl SourceVm {
    fn new(name: &str, os_type: OsType, os_disk_gb: u64) -> Self {
        SourceVm {
            name: name.to_owned(),
            resource_group: None,
            os_type,
            size: "Standard_DS2_v2".to_owned(),
            disks: vec![Disk {
                name: format!("{name}-osdisk"),
                size_gb: os_disk_gb,
            }],
            nics: Vec::new(),
            power_state: PowerState::Running,
        }
    }

    /// A running Windows VM, `Standard_DS2_v2`, with a 127 GiB OS disk.
    pub fn windows(name: &str) -> Self {
        SourceVm::new(name, OsType::Windows, 127)
    }

    /// A running Linux VM, `Standard_DS2_v2`, with a 30 GiB OS disk.
    pub fn linux(name: &str) -> Self {
        SourceVm::new(name, OsType::Linux, 30)
    }

    /// Sets the VM size.
    pub fn size(mut self, size: &str) -> Self {
        self.size = size.to_owned();
        self
    }

    /// Sets the OS disk's size.
    pub fn os_disk(mut self, size_gb: u64) -> Self {
        if let Some(d) = self.disks.first_mut() {
            d.size_gb = size_gb;
        }
        self
    }

    /// Adds a data disk.
    pub fn data_disk(mut self, size_gb: u64) -> Self {
        let n = self.disks.len();
        self.disks.push(Disk {
            name: format!("{}-datadisk{n}", self.name),
            size_gb,
        });
        self
    }

    /// Adds a NIC on `network`/`subnet` with `private_ip`.
    pub fn nic(mut self, network: &str, subnet: &str, private_ip: &str) -> Self {
        let n = self.nics.len();
        self.nics.push(Nic {
            name: format!("{}-nic{n}", self.name),
            network: network.to_owned(),
            subnet: subnet.to_owned(),
            private_ip: private_ip.to_owned(),
        });
        self
    }

    /// Sets the power state.
    pub fn power_state(mut self, state: PowerState) -> Self {
        self.power_state = state;
        self
    }

    /// Puts the VM in another resource group of the source stamp.
    pub fn in_resource_group(mut self, rg: &str) -> Self {
        self.resource_group = Some(rg.to_owned());
        self
    }

    /// The sum of the VM's disk sizes, in GiB.
    pub fn total_disk_gb(&self) -> u64 {
        self.disks.iter().map(|d| d.size_gb).sum()
    }
}

/// A subnet of a virtual network.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Subnet {
    /// The subnet's name.
    pub name: String,
    /// Its address prefix (CIDR).
    pub address_prefix: String,
}

/// A virtual network on a stamp.
///
/// ```
/// use azs_site_recovery::emulator::VirtualNetwork;
/// let vnet = VirtualNetwork::new("dr-vnet", "dr-rg", "10.20.0.0/16").subnet("default", "10.20.0.0/24");
/// assert_eq!(vnet.subnets.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VirtualNetwork {
    /// The network's name.
    pub name: String,
    /// Its resource group.
    pub resource_group: String,
    /// Its address spaces (CIDR).
    pub address_space: Vec<String>,
    /// Its subnets.
    pub subnets: Vec<Subnet>,
}

impl VirtualNetwork {
    /// A network with one address space and no subnets.
    pub fn new(name: &str, resource_group: &str, address_space: &str) -> Self {
        VirtualNetwork {
            name: name.to_owned(),
            resource_group: resource_group.to_owned(),
            address_space: vec![address_space.to_owned()],
            subnets: Vec::new(),
        }
    }

    /// Adds a subnet.
    pub fn subnet(mut self, name: &str, prefix: &str) -> Self {
        self.subnets.push(Subnet {
            name: name.to_owned(),
            address_prefix: prefix.to_owned(),
        });
        self
    }
}

/// A storage account on the target stamp.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StorageAccount {
    /// The account's name.
    pub name: String,
    /// Its resource group.
    pub resource_group: String,
    /// The SKU, e.g. `Standard_LRS`.
    pub sku: String,
}

impl StorageAccount {
    /// A `Standard_LRS` account.
    pub fn new(name: &str, resource_group: &str) -> Self {
        StorageAccount {
            name: name.to_owned(),
            resource_group: resource_group.to_owned(),
            sku: "Standard_LRS".to_owned(),
        }
    }
}

/// A resource group with tags.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ResourceGroup {
    /// The group's name.
    pub name: String,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceGroup {
    /// An untagged resource group.
    pub fn new(name: &str) -> Self {
        ResourceGroup {
            name: name.to_owned(),
            tags: BTreeMap::new(),
        }
    }

    /// Adds a tag.
    pub fn tag(mut self, key: &str, value: &str) -> Self {
        self.tags.insert(key.to_owned(), value.to_owned());
        self
    }
}

/// The compute quota of the target subscription in the target location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ComputeQuota {
    /// Total regional vCPUs.
    pub cores: u64,
    /// Virtual machines.
    pub virtual_machines: u64,
}

impl ComputeQuota {
    /// A quota of `cores` vCPUs and `virtual_machines` VMs.
    pub fn new(cores: u64, virtual_machines: u64) -> Self {
        ComputeQuota {
            cores,
            virtual_machines,
        }
    }
}

/// The replication appliance (the fabric agent), running on the source stamp.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Appliance {
    /// The fabric agent's name (`...replicationFabrics/{source}/fabricAgents/{name}`).
    pub agent_name: String,
    /// The appliance VM's name.
    pub machine_name: String,
    /// `true` when its heartbeat is current.
    pub responsive: bool,
    /// Data-disk slots of the appliance VM (32 for the default DS4_v2).
    pub data_disk_slots: u32,
    /// Slots the appliance uses itself (1).
    pub used_data_disk_slots: u32,
    /// The agent's version.
    pub version: String,
    /// The subscription of the appliance VM on the source stamp (`None`: the source stamp's
    /// subscription, like the protected VMs).
    pub subscription_id: Option<String>,
}

impl Default for Appliance {
    fn default() -> Self {
        Appliance {
            agent_name: "asrappliance01".to_owned(),
            machine_name: "asr-appliance-01".to_owned(),
            responsive: true,
            data_disk_slots: 32,
            used_data_disk_slots: 1,
            version: "1.8.7".to_owned(),
            subscription_id: None,
        }
    }
}

impl Appliance {
    /// Sets the number of data-disk slots (a larger appliance VM size).
    pub fn data_disk_slots(mut self, slots: u32) -> Self {
        self.data_disk_slots = slots;
        self
    }

    /// Runs the appliance VM in another subscription of the source stamp than the protected
    /// VMs (re-protect then copies their disks into the appliance's subscription first).
    ///
    /// ```
    /// use azs_site_recovery::emulator::{Appliance, Emulator, Scenario};
    /// let sub = "5f0c5d7e-1c1a-4b8e-9a4e-0000000000aa";
    /// let emu = Emulator::new(Scenario::builder().appliance(Appliance::default().subscription(sub)).build());
    /// assert!(emu.topology().appliance_vm_id.starts_with(&format!("/subscriptions/{sub}/")));
    /// ```
    pub fn subscription(mut self, subscription_id: &str) -> Self {
        self.subscription_id = Some(subscription_id.to_owned());
        self
    }

    /// Makes the appliance unresponsive from the start (stale heartbeat, health Critical).
    pub fn unresponsive(mut self) -> Self {
        self.responsive = false;
        self
    }
}

/// A service principal that can get tokens from the emulator's token endpoint.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Identity {
    /// Display name.
    pub display_name: String,
    /// Application (client) id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// Object (principal) id, used by role assignments.
    pub object_id: String,
}

impl Identity {
    /// A service principal.
    pub fn new(display_name: &str, client_id: &str, client_secret: &str, object_id: &str) -> Self {
        Identity {
            display_name: display_name.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            object_id: object_id.to_owned(),
        }
    }
}

/// A built-in role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Owner.
    Owner,
    /// Contributor.
    Contributor,
    /// Reader.
    Reader,
}

impl Role {
    /// The built-in role definition's GUID (the same on Azure and Azure Stack Hub).
    pub fn definition_guid(self) -> &'static str {
        match self {
            Role::Owner => "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            Role::Contributor => "b24988ac-6180-42a0-ab88-20f7382dd24c",
            Role::Reader => "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        }
    }
}

/// A role assignment: `principal` has `role` on `scope` (an ARM id: subscription, group or
/// resource).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RoleAssignment {
    /// The principal's object id.
    pub principal_id: String,
    /// The role.
    pub role: Role,
    /// The scope, e.g. `/subscriptions/{id}`.
    pub scope: String,
}

impl RoleAssignment {
    /// `principal_id` has `role` on `scope`.
    pub fn new(principal_id: &str, role: Role, scope: &str) -> Self {
        RoleAssignment {
            principal_id: principal_id.to_owned(),
            role,
            scope: scope.to_owned(),
        }
    }
}

/// One Azure Stack Hub stamp.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Stamp {
    /// The user subscription.
    pub subscription_id: String,
    /// The stamp's region name.
    pub location: String,
    /// Resource groups.
    pub resource_groups: Vec<ResourceGroup>,
    /// Virtual networks.
    pub networks: Vec<VirtualNetwork>,
    /// Storage accounts.
    pub storage_accounts: Vec<StorageAccount>,
    /// Compute quota.
    pub quota: ComputeQuota,
}
