//! Target and test networks, and address-space overlap.

use super::{leaf, same_id, Ctx};
use crate::preflight::code::Code;
use crate::preflight::snapshot::VirtualNetwork;
use std::collections::BTreeSet;
use std::net::IpAddr;

fn find<'a>(nets: &'a [VirtualNetwork], id: &str) -> Option<&'a VirtualNetwork> {
    nets.iter().find(|n| same_id(&n.id, id))
}

/// Every VM's target network and subnet exist on the target stamp \[PROT\].
pub(super) fn target_networks(ctx: &mut Ctx<'_>) {
    for vm in &ctx.snap.vms {
        let Some(net_id) = vm.target.network_id.as_deref() else {
            ctx.push(
                Code::TargetNetworkNotSet,
                vm.resource(),
                format!("{} has no target virtual network: it would have nowhere to connect on failover", vm.label()),
                "create the target virtual network on the target stamp and set it (and a subnet) in the VM's target settings",
            );
            continue;
        };
        match find(&ctx.snap.target.virtual_networks, net_id) {
            None => ctx.push(
                Code::TargetNetworkMissing,
                net_id,
                format!("target virtual network {} of {} does not exist on the target stamp", leaf(net_id), vm.label()),
                "create the virtual network on the target stamp (same design as the source or your DR design), or point the VM at an existing one",
            ),
            Some(net) => {
                if let Some(subnet) = vm.target.subnet_name.as_deref() {
                    if !net.subnets.iter().any(|s| s.name.eq_ignore_ascii_case(subnet)) {
                        ctx.push(
                            Code::TargetSubnetMissing,
                            net_id,
                            format!("subnet {subnet} does not exist in target virtual network {} (used by {})", leaf(net_id), vm.label()),
                            "add the subnet to the target virtual network or choose one of its subnets",
                        );
                    }
                }
            }
        }
    }
}

/// Test failover networks exist; at test failover they must be set \[PROT\].
pub(super) fn test_networks(ctx: &mut Ctx<'_>) {
    let must_be_set = ctx.plan.intent == crate::preflight::Intent::TestFailover;
    for vm in &ctx.snap.vms {
        let Some(net_id) = vm.target.test_network_id.as_deref() else {
            if must_be_set {
                ctx.push(
                    Code::TestNetworkNotSet,
                    vm.resource(),
                    format!("{} has no test failover network; it cannot be chosen at test failover time", vm.label()),
                    "set the test failover network in the protected item's properties (View or edit) before the test failover",
                );
            }
            continue;
        };
        let problem = match find(&ctx.snap.target.virtual_networks, net_id) {
            None => Some(format!(
                "test failover virtual network {} of {} does not exist on the target stamp",
                leaf(net_id),
                vm.label()
            )),
            Some(net) => vm.target.test_subnet_name.as_deref().and_then(|subnet| {
                (!net
                    .subnets
                    .iter()
                    .any(|s| s.name.eq_ignore_ascii_case(subnet)))
                .then(|| {
                    format!(
                        "subnet {subnet} does not exist in test failover network {} (used by {})",
                        leaf(net_id),
                        vm.label()
                    )
                })
            }),
        };
        if let Some(message) = problem {
            ctx.push(
                Code::TestNetworkMissing,
                net_id,
                message,
                "create the test network (isolated from production) on the target stamp, or change the protected item's test failover network",
            );
        }
    }
}

/// A parsed CIDR block: first and last address as 128-bit numbers (IPv4 mapped apart from IPv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Block {
    v6: bool,
    first: u128,
    last: u128,
}

/// Parses `10.0.0.0/16`, `fd00::/8`; a bare address is a single-address block.
pub(crate) fn parse_cidr(text: &str) -> Option<Block> {
    let (addr, len) = match text.trim().split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u32>().ok()?)),
        None => (text.trim(), None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let (v6, value, bits) = match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (true, u128::from(a), 128),
    };
    let len = len.unwrap_or(bits);
    if len > bits {
        return None;
    }
    let host_bits = bits - len;
    let mask: u128 = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    Some(Block {
        v6,
        first: value & !mask,
        last: value | mask,
    })
}

/// Two blocks share at least one address.
pub(crate) fn overlaps(a: Block, b: Block) -> bool {
    a.v6 == b.v6 && a.first <= b.last && b.first <= a.last
}

/// Production (source) and DR (target) address spaces should not overlap \[CAP\].
pub(super) fn overlap(ctx: &mut Ctx<'_>) {
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for vm in &ctx.snap.vms {
        let Some(target) = vm.target.network_id.as_deref() else {
            continue;
        };
        for nic in &vm.nics {
            pairs.insert((
                super::norm_id(&nic.virtual_network_id),
                super::norm_id(target),
            ));
        }
    }
    let mut unreadable: BTreeSet<String> = BTreeSet::new();
    for (src_id, tgt_id) in pairs {
        let (Some(src), Some(tgt)) = (
            find(&ctx.snap.source.virtual_networks, &src_id),
            find(&ctx.snap.target.virtual_networks, &tgt_id),
        ) else {
            continue; // a missing target network is reported by `target_networks`
        };
        let mut clashes = Vec::new();
        for sp in &src.address_prefixes {
            let Some(sb) = parse_cidr(sp) else {
                unreadable.insert(format!("{sp}\u{0}{}", src.id));
                continue;
            };
            for tp in &tgt.address_prefixes {
                let Some(tb) = parse_cidr(tp) else {
                    unreadable.insert(format!("{tp}\u{0}{}", tgt.id));
                    continue;
                };
                if overlaps(sb, tb) {
                    clashes.push(format!("{sp} overlaps {tp}"));
                }
            }
        }
        if !clashes.is_empty() {
            ctx.push(
                Code::AddressSpaceOverlap,
                tgt.id.clone(),
                format!(
                    "production network {} and DR network {} overlap: {}",
                    leaf(&src.id),
                    leaf(&tgt.id),
                    clashes.join(", ")
                ),
                "give the DR network an address space that does not overlap production, or make sure the two are never connected (failed-over VMs get target IPs)",
            );
        }
    }
    for entry in unreadable {
        let (prefix, id) = entry.split_once('\u{0}').unwrap_or((entry.as_str(), ""));
        ctx.push(
            Code::AddressPrefixUnreadable,
            id,
            format!(
                "address prefix `{prefix}` of {} is not CIDR; overlap not checked for it",
                leaf(id)
            ),
            "check the network's address space",
        );
    }
}
