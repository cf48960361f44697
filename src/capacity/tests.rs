use super::*;

fn singles(n: usize) -> Vec<VmDisks> {
    (0..n)
        .map(|i| VmDisks::new(format!("vm{i}"), [10]))
        .collect()
}

#[test]
fn normal_cache_is_disks_times_churn_times_window() {
    let a = CapacityAssumptions::default();
    // The documented example: 2 MB x 250 s = 500 MB per disk.
    assert_eq!(cache_normal_bytes(1, &a), 500 * MIB);
    assert_eq!(cache_normal_bytes(4, &a), 2000 * MIB);
    assert_eq!(cache_normal_bytes(0, &a), 0);
}

#[test]
fn worst_case_cache_is_a_day_of_change() {
    let a = CapacityAssumptions::default();
    assert_eq!(cache_worst_case_bytes(1, &a), 2 * 86_400 * MIB);
    let slower = CapacityAssumptions {
        churn_mib_per_sec_per_disk: 0.5,
        ..a
    };
    assert_eq!(cache_worst_case_bytes(2, &slower), 86_400 * MIB);
}

#[test]
fn exactly_31_single_disk_vms_fit_one_batch() {
    let b = reprotect_batches(&singles(31), 31);
    assert_eq!(b.batches.len(), 1);
    assert_eq!(b.disks_per_batch, vec![31]);
    assert!(b.too_large.is_empty());
}

#[test]
fn thirty_two_disks_make_two_batches() {
    let b = reprotect_batches(&singles(32), 31);
    assert_eq!(b.disks_per_batch, vec![31, 1]);
    assert_eq!(b.batches[1], vec!["vm31".to_owned()]);
}

#[test]
fn a_vm_is_never_split_and_first_fit_fills_gaps() {
    let vms = vec![
        VmDisks::new("a", vec![1; 20]),
        VmDisks::new("b", vec![1; 20]),
        VmDisks::new("c", vec![1; 11]),
        VmDisks::new("d", vec![1; 5]),
    ];
    let b = reprotect_batches(&vms, 31);
    assert_eq!(b.batches, vec![vec!["a", "c"], vec!["b", "d"]]);
    assert_eq!(b.disks_per_batch, vec![31, 25]);
}

#[test]
fn a_vm_with_more_disks_than_slots_is_reported_not_batched() {
    let vms = vec![VmDisks::new("huge", vec![1; 32]), VmDisks::new("ok", [1])];
    let b = reprotect_batches(&vms, 31);
    assert_eq!(b.too_large, vec![("huge".to_owned(), 32)]);
    assert_eq!(b.batches, vec![vec!["ok".to_owned()]]);
}

#[test]
fn failback_peak_is_the_largest_batch_sum() {
    let vms = vec![
        VmDisks::new("a", vec![100; 30]), // 3000 GiB, 30 disks
        VmDisks::new("b", [500, 500]),    // does not fit with a
        VmDisks::new("c", [200]),         // fits with a
    ];
    let b = reprotect_batches(&vms, 31);
    assert_eq!(b.disks_per_batch, vec![31, 2]);
    assert_eq!(b.failback_peak_bytes, 3200 * GIB);
}

#[test]
fn plan_sums_and_bounds_target_storage() {
    let vms = vec![VmDisks::new("a", [100, 100]), VmDisks::new("b", [200])];
    let p = plan(&vms, &CapacityAssumptions::default()).unwrap();
    assert_eq!(p.vm_count, 2);
    assert_eq!(p.disk_count, 3);
    assert_eq!(p.source_bytes, 400 * GIB);
    assert_eq!(p.target_storage_low_bytes, 600 * GIB);
    assert_eq!(p.target_storage_high_bytes, 800 * GIB);
    assert_eq!(p.cache_normal_bytes, 1500 * MIB);
}

#[test]
fn initial_replication_uses_per_disk_rate_up_to_the_cap() {
    // 3 disks x 2 MiB/s = 6 MiB/s; 400 GiB / 6 MiB/s.
    let vms = vec![VmDisks::new("a", [100, 100]), VmDisks::new("b", [200])];
    let p = plan(&vms, &CapacityAssumptions::default()).unwrap();
    assert_eq!(p.initial_replication_mib_per_sec, 6.0);
    assert_eq!(p.initial_replication_secs, (400 * 1024) / 6 + 1);
    // 100 disks would be 200 MiB/s, capped at 136.
    let many: Vec<_> = (0..100)
        .map(|i| VmDisks::new(format!("v{i}"), [136]))
        .collect();
    let p = plan(&many, &CapacityAssumptions::default()).unwrap();
    assert_eq!(p.initial_replication_mib_per_sec, 136.0);
    assert_eq!(p.initial_replication_secs, 100 * 1024);
}

#[test]
fn empty_plan_is_zero_not_nan() {
    let p = plan(&[], &CapacityAssumptions::default()).unwrap();
    assert_eq!(p.initial_replication_secs, 0);
    assert_eq!(p.reprotect.failback_peak_bytes, 0);
    assert!(p.reprotect.batches.is_empty());
}

#[test]
fn invalid_assumptions_are_typed_errors() {
    let bad = CapacityAssumptions {
        throughput_cap_mib_per_sec: 0.0,
        ..CapacityAssumptions::default()
    };
    let e = plan(&[], &bad).unwrap_err();
    assert!(matches!(
        e,
        CapacityError::InvalidNumber {
            field: "throughput_cap_mib_per_sec",
            ..
        }
    ));
    assert!(e.to_string().contains("greater than zero"));
    let nan = CapacityAssumptions {
        churn_mib_per_sec_per_disk: f64::NAN,
        ..CapacityAssumptions::default()
    };
    assert!(plan(&[], &nan).is_err());
    let full = CapacityAssumptions {
        appliance_disks_in_use: 32,
        ..CapacityAssumptions::default()
    };
    assert!(matches!(
        plan(&[], &full),
        Err(CapacityError::NoFreeSlots { .. })
    ));
    let reversed = CapacityAssumptions {
        target_storage_factor_low: 3.0,
        ..CapacityAssumptions::default()
    };
    assert!(matches!(
        plan(&[], &reversed),
        Err(CapacityError::FactorsReversed { .. })
    ));
}

#[test]
fn display_lists_figures_batches_and_sourced_assumptions() {
    let vms = vec![
        VmDisks::new("huge", vec![1; 40]),
        VmDisks::new("web01", [128]),
    ];
    let text = plan(&vms, &CapacityAssumptions::default())
        .unwrap()
        .to_string();
    assert!(
        text.contains("cache storage, normal operation:  20.0 GiB"),
        "{text}"
    );
    assert!(text.contains("batch 1: 1 disks: web01"), "{text}");
    assert!(
        text.contains("cannot re-protect huge: 40 disks > 31 free slots"),
        "{text}"
    );
    assert!(text.contains("Assumptions:"));
    assert!(text.contains("[CAP] Cache storage account, 1. normal operation"));
    assert!(text.contains("[KI] 1"));
}

#[test]
fn plan_serializes_for_tools() {
    let p = plan(&[VmDisks::new("a", [1])], &CapacityAssumptions::default()).unwrap();
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["disk_count"], 1);
    assert!(v["assumptions"].as_array().unwrap().len() >= 6);
    let back: CapacityPlan = serde_json::from_value(v).unwrap();
    assert_eq!(back, p);
}

#[test]
fn formatting_helpers() {
    assert_eq!(format_bytes(12), "12 B");
    assert_eq!(format_bytes(500 * MIB), "500.0 MiB");
    assert_eq!(format_bytes(3 * GIB / 2), "1.5 GiB");
    assert_eq!(format_duration(45), "45s");
    assert_eq!(format_duration(7500), "2h 05m");
    assert_eq!(format_duration(3 * 86_400 + 4 * 3600), "3d 04h 00m");
    assert_eq!(format_duration(5525), "1h 32m 05s");
}
