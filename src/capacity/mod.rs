//! Capacity planning from the documented numbers: cache storage, re-protect batches, target
//! storage and initial replication time.
//!
//! Pure arithmetic over the disk sizes of the VMs to protect. Every figure comes with the
//! [`Assumption`]s it used and where each was taken from:
//!
//! * `[CAP]` Capacity planning using Azure Site Recovery (preview),
//!   <https://learn.microsoft.com/en-us/azure-stack/operator/azure-site-recovery-capacity-planning>
//! * `[KI]` Known issues - Azure Site Recovery on Azure Stack Hub (preview),
//!   <https://learn.microsoft.com/en-us/azure-stack/operator/azure-site-recovery-known-issues>
//! * `[SRC]` Deploy for source environments,
//!   <https://learn.microsoft.com/en-us/azure-stack/operator/site-recovery-deploy-source>
//!
//! The documents give starting points, not guarantees ("numbers are a baseline and do not scale
//! linearly" \[CAP\]); every assumption is a field of [`CapacityAssumptions`] so a measured value can
//! replace it.
//!
//! ```
//! use azs_site_recovery::capacity::{plan, CapacityAssumptions, VmDisks};
//!
//! let vms = vec![
//!     VmDisks::new("web01", [128, 256]),
//!     VmDisks::new("db01", [128, 1024, 1024]),
//! ];
//! let p = plan(&vms, &CapacityAssumptions::default()).unwrap();
//! assert_eq!(p.disk_count, 5);
//! // 5 disks x 2 MiB/s x 250 s
//! assert_eq!(p.cache_normal_bytes, 5 * 2 * 250 * (1 << 20));
//! assert_eq!(p.reprotect.batches.len(), 1);
//! println!("{p}"); // a readable summary, with the assumptions and their sources
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;

mod display;
#[cfg(test)]
mod tests;

pub use display::{format_bytes, format_duration};

/// One mebibyte (2^20 bytes). The documents write "MB"; the planner reads it as MiB (the
/// larger of the two readings, so the estimates err on the safe side).
pub const MIB: u64 = 1 << 20;
/// One gibibyte (2^30 bytes); disk sizes are given in GiB as ARM reports them (`diskSizeGB`).
pub const GIB: u64 = 1 << 30;

/// A number the planner relied on, and the document (and section) it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assumption {
    /// What was assumed, with the value.
    pub what: String,
    /// Where it comes from, e.g. `[CAP] Cache storage account sizing`.
    pub source: String,
}

impl fmt::Display for Assumption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.what, self.source)
    }
}

/// The disks of one VM to protect (OS disk and data disks; all are replicated \[PROT\]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VmDisks {
    /// The VM's name (used to name it in re-protect batches).
    pub vm: String,
    /// The size of every disk of the VM, OS disk included, in GiB.
    pub disk_sizes_gib: Vec<u64>,
}

impl VmDisks {
    /// A VM and the sizes (GiB) of all its disks.
    pub fn new(vm: impl Into<String>, disk_sizes_gib: impl IntoIterator<Item = u64>) -> Self {
        VmDisks {
            vm: vm.into(),
            disk_sizes_gib: disk_sizes_gib.into_iter().collect(),
        }
    }

    /// The number of disks (each takes one appliance data-disk slot during re-protect).
    pub fn disk_count(&self) -> u32 {
        u32::try_from(self.disk_sizes_gib.len()).unwrap_or(u32::MAX)
    }

    /// The total size of the VM's disks, in bytes.
    pub fn total_bytes(&self) -> u64 {
        self.disk_sizes_gib
            .iter()
            .fold(0u64, |acc, g| acc.saturating_add(g.saturating_mul(GIB)))
    }
}

/// The numbers the planner uses; the defaults are the documented ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CapacityAssumptions {
    /// Average change rate per replicated disk, MiB/s. Default 2 (\[CAP\] example "2 MB x 250 s").
    pub churn_mib_per_sec_per_disk: f64,
    /// The RPO window the cache must hold in normal operation, seconds. Default 250 (\[CAP\]).
    pub rpo_window_secs: u64,
    /// The worst-case window, seconds. Default 86,400: at most one day of difflog accumulates
    /// before Site Recovery times out (\[CAP\]).
    pub worst_case_window_secs: u64,
    /// Data-disk slots of the appliance VM. Default 32 (Standard DS4_v2 \[CAP\]\[SRC\]\[KI\]).
    pub appliance_data_disk_slots: u32,
    /// Slots the appliance uses itself. Default 1 (\[KI\] 1).
    pub appliance_disks_in_use: u32,
    /// Lower bound of target storage per byte of source storage. Default 1.5 (\[CAP\]).
    pub target_storage_factor_low: f64,
    /// Upper bound of target storage per byte of source storage. Default 2.0 (\[CAP\]).
    pub target_storage_factor_high: f64,
    /// Replication throughput per disk, MiB/s. Default 2 (\[CAP\] test configuration: 2 MB/s per
    /// disk for 2 MB and 64 KB blocks).
    pub throughput_mib_per_sec_per_disk: f64,
    /// Total replication throughput of one appliance, MiB/s. Default 136, the highest total the
    /// \[CAP\] tests reached (68 disks, storage-bound).
    pub throughput_cap_mib_per_sec: f64,
}

impl Default for CapacityAssumptions {
    fn default() -> Self {
        CapacityAssumptions {
            churn_mib_per_sec_per_disk: 2.0,
            rpo_window_secs: 250,
            worst_case_window_secs: 86_400,
            appliance_data_disk_slots: 32,
            appliance_disks_in_use: 1,
            target_storage_factor_low: 1.5,
            target_storage_factor_high: 2.0,
            throughput_mib_per_sec_per_disk: 2.0,
            throughput_cap_mib_per_sec: 136.0,
        }
    }
}

/// An assumption that cannot be planned with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CapacityError {
    /// A rate or factor is negative, zero where it divides, or not a number.
    #[error("capacity assumption `{field}` is {value}; give a finite number greater than zero")]
    InvalidNumber {
        /// The field of [`CapacityAssumptions`].
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// The appliance has no free data-disk slot.
    #[error(
        "the appliance has {slots} data-disk slots and uses {in_use}: no slot is left for \
         re-protect; give the appliance's real slot count (32 for Standard DS4_v2)"
    )]
    NoFreeSlots {
        /// Slots of the appliance VM.
        slots: u32,
        /// Slots it uses itself.
        in_use: u32,
    },
    /// The low target-storage factor is above the high one.
    #[error(
        "target_storage_factor_low ({low}) is above target_storage_factor_high ({high}); swap them"
    )]
    FactorsReversed {
        /// The low factor given.
        low: f64,
        /// The high factor given.
        high: f64,
    },
}

impl CapacityAssumptions {
    /// Checks that every number can be planned with.
    pub fn validate(&self) -> Result<(), CapacityError> {
        let positive = [
            (
                "churn_mib_per_sec_per_disk",
                self.churn_mib_per_sec_per_disk,
            ),
            ("target_storage_factor_low", self.target_storage_factor_low),
            (
                "target_storage_factor_high",
                self.target_storage_factor_high,
            ),
            (
                "throughput_mib_per_sec_per_disk",
                self.throughput_mib_per_sec_per_disk,
            ),
            (
                "throughput_cap_mib_per_sec",
                self.throughput_cap_mib_per_sec,
            ),
        ];
        for (field, value) in positive {
            if !value.is_finite() || value <= 0.0 {
                return Err(CapacityError::InvalidNumber { field, value });
            }
        }
        if self.target_storage_factor_low > self.target_storage_factor_high {
            return Err(CapacityError::FactorsReversed {
                low: self.target_storage_factor_low,
                high: self.target_storage_factor_high,
            });
        }
        if self.free_slots() == 0 {
            return Err(CapacityError::NoFreeSlots {
                slots: self.appliance_data_disk_slots,
                in_use: self.appliance_disks_in_use,
            });
        }
        Ok(())
    }

    /// Data-disk slots left for replica disks (31 on the default appliance \[KI\] 1).
    pub fn free_slots(&self) -> u32 {
        self.appliance_data_disk_slots
            .saturating_sub(self.appliance_disks_in_use)
    }
}

/// Bytes of `mib_per_sec` sustained for `secs`, saturating; a negative or NaN rate counts as 0.
fn rate_bytes(mib_per_sec: f64, secs: u64) -> u64 {
    // `as` saturates for floats (NaN -> 0), which is the clamping wanted here.
    (mib_per_sec.max(0.0) * MIB as f64 * secs as f64) as u64
}

/// Cache storage for normal operation: replicated disks x average churn x RPO window \[CAP\].
pub fn cache_normal_bytes(disk_count: u64, a: &CapacityAssumptions) -> u64 {
    disk_count.saturating_mul(rate_bytes(a.churn_mib_per_sec_per_disk, a.rpo_window_secs))
}

/// Cache storage in the worst case: a full day of change per replicated disk \[CAP\].
pub fn cache_worst_case_bytes(disk_count: u64, a: &CapacityAssumptions) -> u64 {
    disk_count.saturating_mul(rate_bytes(
        a.churn_mib_per_sec_per_disk,
        a.worst_case_window_secs,
    ))
}

/// VMs grouped so that every group's disks fit the appliance's free data-disk slots.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReprotectBatches {
    /// Free data-disk slots per batch.
    pub free_slots: u32,
    /// The batches, to be re-protected one after the other; each lists VM names.
    pub batches: Vec<Vec<String>>,
    /// Disks per batch (same order as `batches`).
    pub disks_per_batch: Vec<u32>,
    /// VMs with more disks than free slots: they cannot be re-protected on this appliance
    /// (name, disk count).
    pub too_large: Vec<(String, u32)>,
    /// The largest sum of disk sizes of one batch, in bytes: the failback peak in the cache
    /// storage account, since a batch's disks are copied whole and deleted after apply \[CAP\].
    pub failback_peak_bytes: u64,
}

/// Splits VMs into re-protect batches by data-disk slots \[KI\] 1.
///
/// Re-protect attaches every disk of a VM (OS disk included) to the appliance, so a VM is never
/// split across batches. VMs are placed first-fit in the order given: each goes to the first batch
/// with room, so the batches stay close to the given order.
///
/// ```
/// use azs_site_recovery::capacity::{reprotect_batches, VmDisks};
/// let vms: Vec<_> = (0..32).map(|i| VmDisks::new(format!("vm{i}"), [64])).collect();
/// let b = reprotect_batches(&vms, 31);
/// assert_eq!(b.disks_per_batch, vec![31, 1]);
/// ```
pub fn reprotect_batches(vms: &[VmDisks], free_slots: u32) -> ReprotectBatches {
    let mut out = ReprotectBatches {
        free_slots,
        ..ReprotectBatches::default()
    };
    let mut bytes_per_batch: Vec<u64> = Vec::new();
    for vm in vms {
        let disks = vm.disk_count();
        if disks > free_slots {
            out.too_large.push((vm.vm.clone(), disks));
            continue;
        }
        let slot = out
            .disks_per_batch
            .iter()
            .position(|used| used.saturating_add(disks) <= free_slots);
        let i = match slot {
            Some(i) => i,
            None => {
                out.batches.push(Vec::new());
                out.disks_per_batch.push(0);
                bytes_per_batch.push(0);
                out.batches.len() - 1
            }
        };
        out.batches[i].push(vm.vm.clone());
        out.disks_per_batch[i] += disks;
        bytes_per_batch[i] = bytes_per_batch[i].saturating_add(vm.total_bytes());
    }
    out.failback_peak_bytes = bytes_per_batch.into_iter().max().unwrap_or(0);
    out
}

/// The capacity estimate for a set of VMs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityPlan {
    /// VMs planned for.
    pub vm_count: usize,
    /// Replicated disks (all disks of every VM).
    pub disk_count: u64,
    /// Total size of the source disks, bytes.
    pub source_bytes: u64,
    /// Cache storage in normal operation, bytes.
    pub cache_normal_bytes: u64,
    /// Cache storage in the worst case (a day of change), bytes.
    pub cache_worst_case_bytes: u64,
    /// Re-protect batches and the failback peak.
    pub reprotect: ReprotectBatches,
    /// Target storage to allocate, low end, bytes.
    pub target_storage_low_bytes: u64,
    /// Target storage to allocate, high end, bytes.
    pub target_storage_high_bytes: u64,
    /// Assumed initial-replication throughput, MiB/s.
    pub initial_replication_mib_per_sec: f64,
    /// Expected initial replication time for all VMs at once, seconds.
    pub initial_replication_secs: u64,
    /// What the figures rest on, with sources.
    pub assumptions: Vec<Assumption>,
}

/// Plans cache storage, re-protect batches, target storage and initial replication time.
///
/// Fails only when an assumption cannot be planned with (see [`CapacityAssumptions::validate`]).
pub fn plan(vms: &[VmDisks], a: &CapacityAssumptions) -> Result<CapacityPlan, CapacityError> {
    a.validate()?;
    let disk_count: u64 = vms.iter().map(|v| u64::from(v.disk_count())).sum();
    let source_bytes = vms
        .iter()
        .fold(0u64, |acc, v| acc.saturating_add(v.total_bytes()));
    let throughput =
        (disk_count as f64 * a.throughput_mib_per_sec_per_disk).min(a.throughput_cap_mib_per_sec);
    let initial_replication_secs = if disk_count == 0 {
        0
    } else {
        (source_bytes as f64 / (throughput * MIB as f64)).ceil() as u64
    };
    Ok(CapacityPlan {
        vm_count: vms.len(),
        disk_count,
        source_bytes,
        cache_normal_bytes: cache_normal_bytes(disk_count, a),
        cache_worst_case_bytes: cache_worst_case_bytes(disk_count, a),
        reprotect: reprotect_batches(vms, a.free_slots()),
        target_storage_low_bytes: (source_bytes as f64 * a.target_storage_factor_low) as u64,
        target_storage_high_bytes: (source_bytes as f64 * a.target_storage_factor_high) as u64,
        initial_replication_mib_per_sec: throughput,
        initial_replication_secs,
        assumptions: assumptions(a),
    })
}

/// The assumptions behind every figure of [`plan`], with their sources.
pub fn assumptions(a: &CapacityAssumptions) -> Vec<Assumption> {
    let s = |what: String, source: &str| Assumption {
        what,
        source: source.to_owned(),
    };
    vec![
        s(
            format!(
                "average churn {} MiB/s per replicated disk, RPO window {} s (normal cache = disks x churn x window)",
                a.churn_mib_per_sec_per_disk, a.rpo_window_secs
            ),
            "[CAP] Cache storage account, 1. normal operation (example 2 MB x 250 s)",
        ),
        s(
            format!(
                "worst case holds {} s of change per disk (at most one day of difflog before Site Recovery times out)",
                a.worst_case_window_secs
            ),
            "[CAP] Cache storage account, 2. worst case",
        ),
        s(
            "failback peak = sum of the disk sizes of the largest re-protect batch (whole disks are copied to the cache account, deleted after apply)".to_owned(),
            "[CAP] Cache storage account, 3. failback to a new VM",
        ),
        s(
            format!(
                "appliance has {} data-disk slots and uses {} itself: {} replica disks per re-protect batch; a VM is never split",
                a.appliance_data_disk_slots,
                a.appliance_disks_in_use,
                a.free_slots()
            ),
            "[KI] 1 Re-protection needs free appliance data-disk slots; [CAP]/[SRC] appliance Standard DS4_v2",
        ),
        s(
            format!(
                "target storage {}x-{}x of source storage (1:1 source/target)",
                a.target_storage_factor_low, a.target_storage_factor_high
            ),
            "[CAP] Target sizing",
        ),
        s(
            format!(
                "initial replication at {} MiB/s per disk, at most {} MiB/s per appliance (measured steady-state rates; the documents give no initial-copy rate, and results do not scale linearly)",
                a.throughput_mib_per_sec_per_disk, a.throughput_cap_mib_per_sec
            ),
            "[CAP] Test configuration and results (inferred for initial replication)",
        ),
        s(
            "MB in the documents read as MiB (2^20 bytes); disk sizes in GiB".to_owned(),
            "planner convention",
        ),
    ]
}
