//! The stamps' ARM reads a preflight makes, and the identity endpoints.

#![cfg(feature = "emulator")]

mod emulator_support;

use azs_site_recovery::emulator::{defaults, Appliance, Emulator, Scenario};
use azs_site_recovery::http::{Method, Request};
use emulator_support::*;
use serde_json::Value;

fn raw(api: &str) -> Raw {
    Raw::new(Emulator::default(), api)
}

#[test]
fn metadata_endpoint_points_back_at_the_emulator() {
    let r = raw("2015-01-01").get("/metadata/endpoints");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["authentication"]["loginEndpoint"],
        "https://management.local.azurestack.external/adfs/"
    );
    assert!(r.body["authentication"]["audiences"][0]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    for f in ["galleryEndpoint", "graphEndpoint", "portalEndpoint"] {
        assert!(r.body[f].is_string(), "{f}");
    }
}

fn token_request(emu: &Emulator, body: &str) -> (u16, Value) {
    let mut req = Request::new(
        Method::Post,
        "https://management.local.azurestack.external/adfs/oauth2/token"
            .parse()
            .unwrap(),
    );
    req.headers
        .insert("content-type", "application/x-www-form-urlencoded");
    req.body = body.as_bytes().to_vec();
    let r = emu.handle(&req);
    (r.status, serde_json::from_slice(&r.body).unwrap())
}

#[test]
fn token_endpoint_accepts_client_credentials_and_auth_can_be_required() {
    let emu = Emulator::new(Scenario::builder().require_auth(true).build());
    let good = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&resource=https%3A%2F%2Fmanagement.adfs.azurestack.local%2Femulator",
        defaults::CLIENT_ID,
        defaults::CLIENT_SECRET
    );
    let (status, body) = token_request(&emu, &good);
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = token_request(
        &emu,
        &format!(
            "grant_type=client_credentials&client_id={}&client_secret=wrong",
            defaults::CLIENT_ID
        ),
    );
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (401, "invalid_client")
    );
    let (status, _) = token_request(&emu, "grant_type=password&username=a&password=b");
    assert_eq!(status, 400);

    let url = format!(
        "https://management.local.azurestack.external{}?api-version=2020-06-01",
        emu.topology().source_vm_ids[0]
    );
    let r = emu.handle(&Request::new(Method::Get, url.parse().unwrap()));
    assert_eq!(r.status, 401);
    let mut req = Request::new(Method::Get, url.parse().unwrap());
    req.headers
        .insert("Authorization", format!("Bearer {token}"));
    assert_eq!(emu.handle(&req).status, 200);
}

#[test]
fn compute_usages_reflect_vms_on_the_stamp() {
    let r = raw("2020-06-01");
    let t = r.emu.topology().clone();
    let path = format!(
        "/subscriptions/{}/providers/Microsoft.Compute/locations/{}/usages",
        t.target_subscription, t.target_location
    );
    let a = r.get(&path);
    let cores = |a: &Answer| {
        a.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"]["value"] == "cores")
            .unwrap()
            .clone()
    };
    let c = cores(&a);
    assert_eq!(
        (c["currentValue"].as_u64(), c["limit"].as_u64()),
        (Some(0), Some(200))
    );
    // The source stamp has its twelve VMs and the appliance.
    let src = format!(
        "/subscriptions/{}/providers/Microsoft.Compute/locations/redmond/usages",
        t.source_subscription
    );
    let vms = r.get(&src).body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"]["value"] == "virtualMachines")
        .unwrap()
        .clone();
    assert_eq!(vms["currentValue"], 13);
    let a = r.get("/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Compute/locations/x/usages");
    assert_eq!((a.status, a.code()), (404, "SubscriptionNotFound"));
}

#[test]
fn virtual_machines_have_os_size_disks_nics_and_power_state() {
    let r = raw("2020-06-01");
    let t = r.emu.topology().clone();
    let sql = r.get(t.source_vm_id("sql-01").unwrap()).body;
    let p = &sql["properties"];
    assert_eq!(p["hardwareProfile"]["vmSize"], "Standard_DS4_v2");
    assert_eq!(p["storageProfile"]["osDisk"]["osType"], "Windows");
    assert_eq!(
        p["storageProfile"]["dataDisks"].as_array().unwrap().len(),
        2
    );
    assert_eq!(p["storageProfile"]["dataDisks"][1]["diskSizeGB"], 1024);
    assert_eq!(
        p["instanceView"]["statuses"][1]["code"],
        "PowerState/running"
    );
    let jump = r.get(t.source_vm_id("jump-01").unwrap()).body;
    assert_eq!(
        jump["properties"]["storageProfile"]["osDisk"]["osType"],
        "Linux"
    );
    assert_eq!(
        jump["properties"]["instanceView"]["statuses"][1]["code"],
        "PowerState/deallocated"
    );
    let nic = r
        .get(
            p["networkProfile"]["networkInterfaces"][0]["id"]
                .as_str()
                .unwrap(),
        )
        .body;
    assert!(
        nic["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"]
            .as_str()
            .unwrap()
            .ends_with("/prod-vnet/subnets/default")
    );
    let disk = r
        .get(
            p["storageProfile"]["dataDisks"][0]["managedDisk"]["id"]
                .as_str()
                .unwrap(),
        )
        .body;
    assert_eq!(disk["properties"]["diskSizeGB"], 512);
    // Listing pages through the twelve VMs and the appliance.
    let list = Raw::new(
        Emulator::new(Scenario::builder().page_size(5).build()),
        "2020-06-01",
    );
    let mut n = 0;
    let mut next = list.url(&format!(
        "/subscriptions/{}/providers/Microsoft.Compute/virtualMachines",
        t.source_subscription
    ));
    loop {
        let a = list.get(&next);
        n += a.body["value"].as_array().unwrap().len();
        match a.body["nextLink"].as_str() {
            Some(l) => next = l.to_owned(),
            None => break,
        }
    }
    assert_eq!(n, 13);
    let a = r.get(&format!("/subscriptions/{}/resourceGroups/production-rg/providers/Microsoft.Compute/virtualMachines/nope", t.source_subscription));
    assert_eq!((a.status, a.code()), (404, "ResourceNotFound"));
}

#[test]
fn networks_storage_and_resource_groups_with_tags() {
    let r = raw("2018-11-01");
    let t = r.emu.topology().clone();
    let vnet = r.get(t.target_network_id("dr-vnet").unwrap()).body;
    assert_eq!(
        vnet["properties"]["addressSpace"]["addressPrefixes"][0],
        "10.20.0.0/16"
    );
    assert_eq!(vnet["properties"]["subnets"].as_array().unwrap().len(), 2);
    let nets = r
        .get(&format!(
            "/subscriptions/{}/resourceGroups/dr-rg/providers/Microsoft.Network/virtualNetworks",
            t.target_subscription
        ))
        .body;
    assert_eq!(nets["value"].as_array().unwrap().len(), 2);
    let sa = r.get(&t.target_storage_account_ids[0]).body;
    assert_eq!(sa["name"], "asrcache01");
    assert_eq!(sa["sku"]["name"], "Standard_LRS");
    let rg = r
        .get(&format!(
            "/subscriptions/{}/resourcegroups/dr-rg",
            t.target_subscription
        ))
        .body;
    assert_eq!(rg["tags"]["environment"], "dr");
    let groups = r
        .get(&format!(
            "/subscriptions/{}/resourcegroups",
            t.target_subscription
        ))
        .body;
    assert_eq!(groups["value"].as_array().unwrap().len(), 2);
    let a = r.get(&format!(
        "/subscriptions/{}/resourcegroups/ghost-rg",
        t.target_subscription
    ));
    assert_eq!((a.status, a.code()), (404, "ResourceGroupNotFound"));
}

#[test]
fn role_assignments_filter_by_principal_and_scope() {
    let r = raw("2015-07-01");
    let t = r.emu.topology().clone();
    let at_rg = format!("/subscriptions/{}/resourceGroups/dr-rg/providers/Microsoft.Authorization/roleAssignments?$filter=principalId%20eq%20'{}'", t.target_subscription, defaults::OBJECT_ID);
    let a = r.get(&at_rg).body;
    let v = a["value"].as_array().unwrap();
    assert_eq!(
        v.len(),
        1,
        "the Contributor assignment is inherited from the subscription"
    );
    assert!(v[0]["properties"]["roleDefinitionId"]
        .as_str()
        .unwrap()
        .ends_with("b24988ac-6180-42a0-ab88-20f7382dd24c"));
    let def = r
        .get(v[0]["properties"]["roleDefinitionId"].as_str().unwrap())
        .body;
    assert_eq!(def["properties"]["roleName"], "Contributor");
    let other = format!("/subscriptions/{}/providers/Microsoft.Authorization/roleAssignments?$filter=principalId%20eq%20'someone-else'", t.target_subscription);
    assert!(r.get(&other).body["value"].as_array().unwrap().is_empty());
    let none = Raw::new(
        Emulator::new(Scenario::builder().clear_role_assignments().build()),
        "2015-07-01",
    );
    assert!(none.get(&at_rg).body["value"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn stamp_reads_need_an_api_version_but_accept_any() {
    let emu = Emulator::default();
    let id = emu.topology().source_vm_ids[0].clone();
    let r = emu.handle(&Request::new(
        Method::Get,
        format!("https://h{id}").parse().unwrap(),
    ));
    assert_eq!(r.status, 400);
    let r = emu.handle(&Request::new(
        Method::Get,
        format!("https://h{id}?api-version=1999-01-01")
            .parse()
            .unwrap(),
    ));
    assert_eq!(r.status, 200);
    let r = emu.handle(&Request::new(
        Method::Delete,
        format!("https://h{id}?api-version=2020-06-01")
            .parse()
            .unwrap(),
    ));
    assert_eq!(r.status, 405);
}

#[test]
fn subscriptions_and_vm_sizes() {
    let r = raw("2019-10-01");
    let t = r.emu.topology().clone();
    let subs = r.get("/subscriptions").body;
    let ids: Vec<&str> = subs["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subscriptionId"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            t.source_subscription.as_str(),
            t.target_subscription.as_str()
        ]
    );
    assert_eq!(
        r.get(&format!("/subscriptions/{}", t.target_subscription))
            .body["state"],
        "Enabled"
    );
    assert_eq!(
        r.get("/subscriptions/00000000-0000-0000-0000-00000000dead")
            .code(),
        "SubscriptionNotFound"
    );
    let sizes = r
        .get(&format!(
            "/subscriptions/{}/providers/Microsoft.Compute/locations/{}/vmSizes",
            t.target_subscription, t.target_location
        ))
        .body;
    let ds4 = sizes["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Standard_DS4_v2")
        .unwrap()
        .clone();
    assert_eq!(
        (
            ds4["numberOfCores"].as_u64(),
            ds4["maxDataDiskCount"].as_u64()
        ),
        (Some(8), Some(32))
    );
}

/// Free data-disk slots of the appliance, as a reader of the compute API works them out: the
/// appliance VM size's `maxDataDiskCount` minus the data disks attached to it.
fn free_slots_read_from_compute(r: &Raw) -> (String, u64, u64) {
    let t = r.emu.topology().clone();
    let vm = r.get(&t.appliance_vm_id);
    assert_eq!(vm.status, 200);
    let p = &vm.body["properties"];
    assert_eq!(
        p["instanceView"]["statuses"][1]["code"],
        "PowerState/running"
    );
    assert_eq!(p["storageProfile"]["osDisk"]["osType"], "Windows");
    let size = p["hardwareProfile"]["vmSize"].as_str().unwrap().to_owned();
    let data = p["storageProfile"]["dataDisks"].as_array().unwrap();
    for (i, d) in data.iter().enumerate() {
        assert_eq!(d["lun"].as_u64(), Some(i as u64));
        assert!(d["managedDisk"]["id"]
            .as_str()
            .unwrap()
            .contains("/providers/Microsoft.Compute/disks/"));
        assert!(d["diskSizeGB"].as_u64().unwrap() > 0);
    }
    let sizes = r
        .get(&format!(
            "/subscriptions/{}/providers/Microsoft.Compute/locations/{}/vmSizes",
            t.source_subscription, "local"
        ))
        .body;
    let max = sizes["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == size.as_str())
        .unwrap_or_else(|| panic!("{size} is not among the stamp's VM sizes"))["maxDataDiskCount"]
        .as_u64()
        .unwrap();
    (size, max, data.len() as u64)
}

#[test]
fn the_appliance_vm_shows_its_slots_as_size_limit_minus_attached_data_disks() {
    let r = raw("2020-06-01");
    let (size, max, attached) = free_slots_read_from_compute(&r);
    assert_eq!((size.as_str(), max, attached), ("Standard_DS4_v2", 32, 1));
    assert_eq!(max - attached, u64::from(r.emu.appliance_free_slots()));
    // The appliance VM is among the source subscription's VMs.
    let t = r.emu.topology().clone();
    let list = r
        .get(&format!(
            "/subscriptions/{}/providers/Microsoft.Compute/virtualMachines",
            t.source_subscription
        ))
        .body;
    assert!(list["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["id"].as_str() == Some(t.appliance_vm_id.as_str())));

    // Any number of slots a scenario gives the appliance is what its size says.
    for slots in [4u32, 3, 64] {
        let r = Raw::new(
            Emulator::new(
                Scenario::builder()
                    .appliance(Appliance::default().data_disk_slots(slots))
                    .build(),
            ),
            "2020-06-01",
        );
        let (size, max, attached) = free_slots_read_from_compute(&r);
        assert_eq!(max, u64::from(slots), "{size}");
        assert_eq!(max - attached, u64::from(r.emu.appliance_free_slots()));
    }
}
