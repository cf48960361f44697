//! Human-readable figures and the plan summary.

use super::CapacityPlan;
use std::fmt;

/// Formats a byte count for people: `1.5 GiB`, `500.0 MiB`, `12 B`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Formats seconds as people read durations everywhere in the crate
/// ([`HumanDuration`](crate::human::HumanDuration)): `2h 05m`, `3d 04h 00m`, `45s`.
pub fn format_duration(secs: u64) -> String {
    crate::human::HumanDuration(std::time::Duration::from_secs(secs)).to_string()
}

impl fmt::Display for CapacityPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Capacity plan: {} VMs, {} disks, {} of source disks",
            self.vm_count,
            self.disk_count,
            format_bytes(self.source_bytes)
        )?;
        writeln!(
            f,
            "  cache storage, normal operation:  {}",
            format_bytes(self.cache_normal_bytes)
        )?;
        writeln!(
            f,
            "  cache storage, worst case (1 day): {}",
            format_bytes(self.cache_worst_case_bytes)
        )?;
        writeln!(
            f,
            "  cache storage, failback peak:      {}",
            format_bytes(self.reprotect.failback_peak_bytes)
        )?;
        writeln!(
            f,
            "  target storage:                    {} - {}",
            format_bytes(self.target_storage_low_bytes),
            format_bytes(self.target_storage_high_bytes)
        )?;
        writeln!(
            f,
            "  initial replication:               ~{} at {:.0} MiB/s",
            format_duration(self.initial_replication_secs),
            self.initial_replication_mib_per_sec
        )?;
        writeln!(
            f,
            "  re-protect: {} batch(es) of at most {} disks",
            self.reprotect.batches.len(),
            self.reprotect.free_slots
        )?;
        for (i, (vms, disks)) in self
            .reprotect
            .batches
            .iter()
            .zip(&self.reprotect.disks_per_batch)
            .enumerate()
        {
            writeln!(
                f,
                "    batch {}: {} disks: {}",
                i + 1,
                disks,
                vms.join(", ")
            )?;
        }
        for (vm, disks) in &self.reprotect.too_large {
            writeln!(
                f,
                "    cannot re-protect {vm}: {disks} disks > {} free slots (resize the appliance)",
                self.reprotect.free_slots
            )?;
        }
        writeln!(f, "Assumptions:")?;
        for a in &self.assumptions {
            writeln!(f, "  - {a}")?;
        }
        Ok(())
    }
}
